namespace Federated.Simulation.Reports;

/// <summary>Everything an experiment measured: its settings, cost, and every figure per series, round, client and task.</summary>
public sealed class ExperimentReport
{
    /// <summary>Title of the report, e.g. <c>Synthetic multi-task federation</c>.</summary>
    public required string Title { get; init; }

    /// <summary>The command line that produced it.</summary>
    public required string CommandLine { get; init; }

    /// <summary>Seed of data, split, models and partitioner.</summary>
    public required int Seed { get; init; }

    /// <summary>The partitioner's description.</summary>
    public required string Partitioner { get; init; }

    /// <summary>Number of virtual clients.</summary>
    public required int Clients { get; init; }

    /// <summary>Number of federated rounds.</summary>
    public required int Rounds { get; init; }

    /// <summary>Free-form settings worth printing (model, strategy, learning rate, …).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Task name → metric names in display order (the first is the headline metric).</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> TaskMetrics { get; init; }

    /// <summary>Reference figures from outside the run (e.g. published or peer results), task → label → metric → value.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>> Anchors { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>>();

    /// <summary>Every figure measured.</summary>
    public List<MetricPoint> Points { get; } = [];

    /// <summary>Wall-clock seconds of the whole run.</summary>
    public double WallSeconds { get; set; }

    /// <summary>Peak working set of the process in bytes.</summary>
    public long PeakMemoryBytes { get; set; }

    /// <summary>The last pooled figure of a series for a task and metric, or NaN.</summary>
    public double Final(string series, string task, string metric, string client = MetricPoint.AllClients)
    {
        var best = double.NaN;
        var round = int.MinValue;
        foreach (var point in Points)
        {
            if (point.Series == series && point.Task == task && point.Metric == metric && point.Client == client && point.Round >= round)
            {
                best = point.Value;
                round = point.Round;
            }
        }

        return best;
    }

    /// <summary>Client names that have per-client figures, in order of first appearance.</summary>
    public IReadOnlyList<string> ClientNames() => [.. Points.Where(p => p.Client != MetricPoint.AllClients).Select(p => p.Client).Distinct()];
}
