namespace Federated.Client.Data;

/// <summary>A source over examples already in memory (generated data in the simulation, tests).</summary>
public sealed class InMemoryExampleSource : IExampleSource
{
    private readonly IReadOnlyList<Example> _examples;

    /// <summary>Creates the source.</summary>
    /// <param name="name">A name for reports.</param>
    /// <param name="schema">What the examples carry.</param>
    /// <param name="examples">The examples; each must have one token array per schema field, one value per numeric feature and per task.</param>
    /// <exception cref="ArgumentException">An example does not match the schema.</exception>
    public InMemoryExampleSource(string name, ExampleSchema schema, IReadOnlyList<Example> examples)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(examples);
        foreach (var example in examples)
        {
            if (example.Tokens.Length != schema.Fields.Count || example.Numeric.Length != schema.Numeric.Count || example.Labels.Length != schema.Tasks.Count)
            {
                throw new ArgumentException(
                    $"example of line {example.LineNumber} has {example.Tokens.Length} fields, {example.Numeric.Length} numeric values and {example.Labels.Length} labels; " +
                    $"the schema has {schema.Fields.Count}, {schema.Numeric.Count} and {schema.Tasks.Count}",
                    nameof(examples));
            }
        }

        Name = name;
        Schema = schema;
        _examples = examples;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public ExampleSchema Schema { get; }

    /// <inheritdoc/>
    public DataQualityReport Report { get; } = new();

    /// <inheritdoc/>
    public IEnumerable<Example> Read()
    {
        Report.Reset();
        foreach (var example in _examples)
        {
            Report.RecordGood();
            yield return example;
        }
    }
}
