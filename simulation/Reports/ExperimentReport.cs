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

    /// <summary>
    /// With validation: per series, which version won and why (e.g. <c>round 7 of 10, stopped by patience 3</c>), in the
    /// order the series ran. Empty without validation.
    /// </summary>
    public Dictionary<string, string> Selection { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// With validation: the reported test figures of each series' best version, by (series, task, metric, client); they
    /// take precedence over the last round's points in <see cref="Final"/>. Empty without validation.
    /// </summary>
    public Dictionary<(string Series, string Task, string Metric, string Client), double> Selected { get; } = [];

    /// <summary>Wall-clock seconds of the whole run.</summary>
    public double WallSeconds { get; set; }

    /// <summary>Peak working set of the process in bytes.</summary>
    public long PeakMemoryBytes { get; set; }

    /// <summary>
    /// The reported figure of a series for a task and metric (pooled, or of one client): that of the version chosen on
    /// validation when there is one (<see cref="Selected"/>), else the last round's; NaN when there is none.
    /// </summary>
    public double Final(string series, string task, string metric, string client = MetricPoint.AllClients)
    {
        if (Selected.TryGetValue((series, task, metric, client), out var selected))
        {
            return selected;
        }

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

    /// <summary>Makes the figures of <paramref name="series"/> at <paramref name="round"/> (every task, metric and client) its reported ones.</summary>
    public void SelectRound(string series, int round)
    {
        foreach (var point in Points)
        {
            if (point.Series == series && point.Round == round)
            {
                Selected[(series, point.Task, point.Metric, point.Client)] = point.Value;
            }
        }
    }

    /// <summary>Client names that have per-client figures, in order of first appearance.</summary>
    public IReadOnlyList<string> ClientNames() => [.. Points.Where(p => p.Client != MetricPoint.AllClients).Select(p => p.Client).Distinct()];
}
