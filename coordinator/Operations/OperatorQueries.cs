using Federated.Coordinator.Nodes;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Storage;
using Federated.Model.Metrics;

namespace Federated.Coordinator.Operations;

/// <summary>
/// What operators read, composed from the engine, the node directory and the store: the one place both the operator
/// gRPC service and the dashboard take their answers from, so the two never disagree.
/// </summary>
public sealed class OperatorQueries
{
    private readonly RoundEngine _engine;
    private readonly NodeDirectory _nodes;
    private readonly SqliteStore _store;
    private readonly TimeProvider _time;

    /// <summary>Creates the queries.</summary>
    public OperatorQueries(RoundEngine engine, NodeDirectory nodes, SqliteStore store, TimeProvider time)
    {
        _engine = engine;
        _nodes = nodes;
        _store = store;
        _time = time;
    }

    /// <summary>The engine the queries read (for the operations the queries do not wrap).</summary>
    public RoundEngine Engine => _engine;

    /// <summary>Runs active, nodes connected and enrolled.</summary>
    public CoordinatorStatus GetStatus()
    {
        var active = _engine.ListRuns().Where(r => r.Status is RunStatus.Running or RunStatus.Paused).ToList();
        return new(_engine.StartedAt, active.Count, _engine.ListPresence().Count(p => p.Connected), _nodes.List().Count, active);
    }

    /// <summary>Every enrolled node, by id, with its presence and the rounds it contributed to.</summary>
    public IReadOnlyList<NodeOverview> ListNodes()
    {
        var presence = _engine.ListPresence().ToDictionary(p => p.NodeId, StringComparer.Ordinal);
        var contributions = _store.CountContributions();
        return _nodes.List().Select(node =>
        {
            var seen = presence.GetValueOrDefault(node.Id);
            return new NodeOverview(
                node.Id,
                node.CreatedAt,
                node.Revoked,
                seen is { Connected: true } && !node.Revoked,
                seen?.LastSeen,
                seen?.Runs ?? [],
                contributions.GetValueOrDefault(node.Id));
        }).ToList();
    }

    /// <summary>Every round of a run with the nodes whose updates it counted.</summary>
    /// <exception cref="RejectionException">Unknown run.</exception>
    public IReadOnlyList<RoundOverview> ListRounds(string runId)
    {
        var rounds = _engine.ListRounds(runId);
        var contributors = _store.LoadContributors(runId);
        return rounds.Select(r => new RoundOverview(r, contributors.GetValueOrDefault(r.Round) ?? [])).ToList();
    }

    /// <summary>Every figure of every stored metric of a run (of one task when <paramref name="task"/> is given), ordered by task, kind, figure and round.</summary>
    /// <exception cref="RejectionException">Unknown run.</exception>
    public IReadOnlyList<MetricPoint> GetLearningCurves(string runId, string? task = null) =>
        _engine.GetMetrics(runId)
            .Where(m => task is null || m.Task == task)
            .SelectMany(m => TaskMetrics.FromArray(m.Task, m.Summary).ToFigures().Select(f => new MetricPoint(m.Task, m.Kind, m.Round, f.Key, f.Value)))
            .OrderBy(p => p.Task, StringComparer.Ordinal).ThenBy(p => p.Kind, StringComparer.Ordinal).ThenBy(p => p.Figure, StringComparer.Ordinal).ThenBy(p => p.Round)
            .ToList();

    /// <summary>
    /// The figures a run's metrics have, per task: read from the latest summary of each task and kind only, so that a
    /// page listing the charts decodes a handful of summaries however long the run.
    /// </summary>
    /// <exception cref="RejectionException">Unknown run.</exception>
    public IReadOnlyList<(string Task, string Figure)> ListFigures(string runId) =>
        _engine.GetMetrics(runId)
            .GroupBy(m => (m.Task, m.Kind))
            .Select(g => g.MaxBy(m => m.Round)!)
            .SelectMany(m => TaskMetrics.FromArray(m.Task, m.Summary).ToFigures().Keys.Select(f => (m.Task, f)))
            .Distinct()
            .ToList();

    /// <summary>Rounds committed over all runs in the last <paramref name="window"/>, per minute.</summary>
    public double RoundsPerMinute(TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        var since = _time.GetUtcNow() - window;
        var committed = _engine.ListRuns()
            .Sum(run => _engine.ListRounds(run.RunId).Count(r => r.State == RoundState.Committed && r.ClosedAt >= since));
        return committed / window.TotalMinutes;
    }
}
