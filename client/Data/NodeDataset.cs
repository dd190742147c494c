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

    /// <summary>The encoded examples.</summary>
    public ExampleTable Table { get; }

    /// <summary>The split.</summary>
    public DataSplit Split { get; }

    /// <summary>Numeric statistics of the training part.</summary>
    public NumericStandardizer Standardizer { get; }

    /// <summary>The model the examples are encoded for.</summary>
    public ModelSpec Spec => Table.Spec;

    /// <summary>Bad rows met while reading.</summary>
    public DataQualityReport Report => Table.Report;

    /// <summary>Reads a source, encodes it for a model and splits it.</summary>
    /// <param name="source">The source.</param>
    /// <param name="spec">The model.</param>
    /// <param name="split">How to split; defaults when null.</param>
    /// <returns>The data set.</returns>
    public static NodeDataset Load(IExampleSource source, ModelSpec spec, SplitOptions? split = null)
    {
        var table = ExampleTable.Load(source, spec);
        return new NodeDataset(table, DataSplit.Create(table, split ?? new SplitOptions()));
    }
}
