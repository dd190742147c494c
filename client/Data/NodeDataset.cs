using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Data;

/// <summary>A node's examples with their split and the numeric statistics of the training part.</summary>
public sealed class NodeDataset
{
    /// <summary>Creates a data set from parts.</summary>
    /// <param name="table">The encoded examples.</param>
    /// <param name="split">The split.</param>
    public NodeDataset(ExampleTable table, DataSplit split)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(split);
        Table = table;
        Split = split;
        Standardizer = NumericStandardizer.Fit(table, split.Train);
    }

    /// <summary>
    /// Creates a data set from parts with given numeric statistics, e.g. those of a larger training split of the same
    /// table, so that a view of some of its training rows standardises exactly as the whole does.
    /// </summary>
    /// <param name="table">The encoded examples.</param>
    /// <param name="split">The split.</param>
    /// <param name="standardizer">The numeric statistics to apply; its feature count must be the model's.</param>
    public NodeDataset(ExampleTable table, DataSplit split, NumericStandardizer standardizer)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(standardizer);
        if (standardizer.Means.Count != table.Spec.Numeric.Count)
        {
            throw new ArgumentException($"the standardiser has {standardizer.Means.Count} features, the model {table.Spec.Numeric.Count}", nameof(standardizer));
        }

        Table = table;
        Split = split;
        Standardizer = standardizer;
    }

    /// <summary>The encoded examples.</summary>
    public ExampleTable Table { get; }

    /// <summary>The split.</summary>
    public DataSplit Split { get; }

    /// <summary>Numeric statistics of the training part.</summary>
    public NumericStandardizer Standardizer { get; }

    /// <summary>The compiled model the examples are encoded for (<see cref="ExampleTable.Model"/>).</summary>
    public CompiledModel Model => Table.Model;

    /// <summary>The spec of <see cref="Model"/>.</summary>
    public ModelSpec Spec => Table.Spec;

    /// <summary>Bad rows met while reading.</summary>
    public DataQualityReport Report => Table.Report;

    /// <summary>Reads a source, encodes it for a model and splits it.</summary>
    /// <param name="source">The source.</param>
    /// <param name="model">The model, compiled once by the caller.</param>
    /// <param name="split">How to split; defaults when null.</param>
    /// <returns>The data set.</returns>
    public static NodeDataset Load(IExampleSource source, CompiledModel model, SplitOptions? split = null)
    {
        var table = ExampleTable.Load(source, model);
        return new NodeDataset(table, DataSplit.Create(table, split ?? new SplitOptions()));
    }

    /// <summary>Compiles <paramref name="spec"/>, then reads, encodes and splits a source (see <see cref="Load(IExampleSource, CompiledModel, SplitOptions?)"/>).</summary>
    /// <param name="source">The source.</param>
    /// <param name="spec">The model's spec; validated and compiled here.</param>
    /// <param name="split">How to split; defaults when null.</param>
    /// <returns>The data set.</returns>
    public static NodeDataset Load(IExampleSource source, ModelSpec spec, SplitOptions? split = null)
    {
        var table = ExampleTable.Load(source, spec);
        return new NodeDataset(table, DataSplit.Create(table, split ?? new SplitOptions()));
    }
}
