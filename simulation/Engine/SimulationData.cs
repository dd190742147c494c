using Federated.Client.Data;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using MathNet.Numerics.Random;

namespace Federated.Simulation.Engine;

/// <summary>
/// A data set prepared for an experiment: every example as read through the client's data-source interface (raw
/// tokens, so partitioners can key on any field or label), the model they are encoded for, and one train/test mark per
/// example. Every series of an experiment (federated, local-only, centralised) sees exactly this split.
/// </summary>
/// <remarks>
/// The model is compiled once, here (or by whoever built the data set): every client table, workspace, state store and
/// connection of an experiment on this data shares <see cref="Model"/>.
/// </remarks>
public sealed class SimulationData
{
    /// <summary>Creates the data set.</summary>
    /// <param name="name">A name for reports, e.g. <c>ml-100k u1</c>.</param>
    /// <param name="schema">What the examples carry.</param>
    /// <param name="model">The model trained on them, compiled.</param>
    /// <param name="examples">The examples.</param>
    /// <param name="isTest">Per example: true when it is held out for evaluation.</param>
    public SimulationData(string name, ExampleSchema schema, CompiledModel model, IReadOnlyList<Example> examples, bool[] isTest)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(isTest);
        if (isTest.Length != examples.Count)
        {
            throw new ArgumentException($"{isTest.Length} test marks for {examples.Count} examples", nameof(isTest));
        }

        Name = name;
        Schema = schema;
        Model = model;
        Examples = examples;
        IsTest = isTest;
    }

    /// <summary>Creates the data set, compiling <paramref name="spec"/> (see the compiled overload).</summary>
    /// <param name="name">A name for reports.</param>
    /// <param name="schema">What the examples carry.</param>
    /// <param name="spec">The model trained on them; validated and compiled here.</param>
    /// <param name="examples">The examples.</param>
    /// <param name="isTest">Per example: true when it is held out for evaluation.</param>
    public SimulationData(string name, ExampleSchema schema, ModelSpec spec, IReadOnlyList<Example> examples, bool[] isTest)
        : this(name, schema, CompiledModel.Compile(spec ?? throw new ArgumentNullException(nameof(spec))), examples, isTest)
    {
    }

    /// <summary>A name for reports.</summary>
    public string Name { get; }

    /// <summary>What the examples carry.</summary>
    public ExampleSchema Schema { get; }

    /// <summary>The model, compiled once for the whole experiment.</summary>
    public CompiledModel Model { get; }

    /// <summary>The model's spec.</summary>
    public ModelSpec Spec => Model.Spec;

    /// <summary>The examples.</summary>
    public IReadOnlyList<Example> Examples { get; }

    /// <summary>Per example: held out for evaluation.</summary>
    public bool[] IsTest { get; }

    /// <summary>Compiles <paramref name="spec"/>, then reads a source as the compiled overload does.</summary>
    public static SimulationData FromSource(IExampleSource source, ModelSpec spec, double testFraction, int seed) =>
        FromSource(source, CompiledModel.Compile(spec ?? throw new ArgumentNullException(nameof(spec))), testFraction, seed);

    /// <summary>
    /// Reads a source whole and marks a seeded random <paramref name="testFraction"/> of its examples as test
    /// (the same examples for the same seed, in any process).
    /// </summary>
    public static SimulationData FromSource(IExampleSource source, CompiledModel model, double testFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(model);
        if (!(testFraction > 0 && testFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "the test fraction must be in (0, 1)");
        }

        var examples = source.Read().ToList();
        var order = Enumerable.Range(0, examples.Count).ToArray();
        var random = new Xoshiro256StarStar(seed, threadSafe: false);
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        var isTest = new bool[examples.Count];
        var test = (int)Math.Round(examples.Count * testFraction);
        for (var i = 0; i < test; i++)
        {
            isTest[order[i]] = true;
        }

        return new SimulationData(source.Name, source.Schema, model, examples, isTest);
    }

    /// <summary>
    /// The key of an example (by index) under <paramref name="key"/>: the first token of a schema field, or
    /// the label of a task (<c>NaN</c> when missing), as text.
    /// </summary>
    /// <exception cref="ArgumentException">The key is neither a field nor a task of the schema.</exception>
    public Func<int, string> KeyOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var field = IndexOf(Schema.Fields, key);
        if (field >= 0)
        {
            return i => Examples[i].Tokens[field] is { Length: > 0 } tokens ? tokens[0] : "";
        }

        var task = IndexOf(Schema.Tasks, key);
        if (task >= 0)
        {
            return i => Examples[i].Labels[task].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        throw new ArgumentException($"'{key}' is neither a field ({string.Join(", ", Schema.Fields)}) nor a task ({string.Join(", ", Schema.Tasks)}) of the data", nameof(key));
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
