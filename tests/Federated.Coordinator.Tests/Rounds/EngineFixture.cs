using Federated.Coordinator.Nodes;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Rounds.Pipeline;
using Federated.Coordinator.Runs;
using Federated.Coordinator.Storage;
using Federated.Model.Metrics;
using Federated.Model.Spec;
using Federated.Model.Updates;
using Microsoft.Extensions.Time.Testing;

namespace Federated.Coordinator.Tests.Rounds;

/// <summary>An in-memory engine over a real SQLite store, with enrolled nodes and hand-made updates.</summary>
internal sealed class EngineFixture : IDisposable
{
    public EngineFixture(IRoundStore? store = null, RoundPipelineFactory? pipelines = null, SqliteStore? sqlite = null, RoundEngineOptions? options = null)
    {
        Sqlite = sqlite ?? new SqliteStore(":memory:");
        Engine = new RoundEngine(store ?? Sqlite, Time, options, pipelines: pipelines);
        Directory = new NodeDirectory(Sqlite, Time);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public SqliteStore Sqlite { get; }

    public RoundEngine Engine { get; }

    public NodeDirectory Directory { get; }

    /// <summary>
    /// Creates a run and joins <paramref name="nodes"/> to it, each polling once right after joining as a real node does;
    /// the first round is open afterwards when enough joined.
    /// </summary>
    public string StartRun(string configJson, params string[] nodes)
    {
        var run = Engine.CreateRun(RunConfig.FromJson(configJson)).RunId;
        foreach (var node in nodes)
        {
            if (Directory.Find(node) is null)
            {
                Directory.IssueToken(node);
            }

            Engine.Join(node, run);
            Engine.PollAssignment(node, run);
        }

        return run;
    }

    /// <summary>An update of every shared tensor by <paramref name="step"/> from the round's base version.</summary>
    public NodeUpdate Update(string runId, string node, float step, BinaryMetricSummary? click = null, long examples = 100, RegressionMetricSummary? rating = null)
    {
        var assignment = Engine.PollAssignment(node, runId).Assignment ?? throw new InvalidOperationException($"node {node} has no assignment");
        var global = Engine.GetModel(runId, assignment.ModelVersion);
        var trained = global.Clone();
        for (var i = 0; i < trained.Values.Length; i++)
        {
            trained.Values[i] += step;
        }

        if (click is null)
        {
            click = new BinaryMetricSummary();
            click.Add(0.8f, 1f);
        }

        return new NodeUpdate
        {
            RunId = runId,
            Round = assignment.Round,
            BaseVersion = assignment.ModelVersion,
            NodeId = node,
            UploadId = $"{node}-r{assignment.Round}",
            Examples = examples,
            TaskExamples = new Dictionary<string, long> { ["click"] = examples },
            TrainingMetrics = rating is null ? [new TaskMetrics("click", click)] : [new TaskMetrics("click", click), new TaskMetrics("rating", rating)],
            Delta = ModelDelta.Compute(global, trained, ParameterScope.Shared),
        };
    }

    public void Dispose() => Sqlite.Dispose();
}
