using Federated.Client.Federation;
using Federated.Client.Training;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Tests.Federation;

/// <summary>An in-memory coordinator whose answers a test scripts: offers in order, failures injected per call.</summary>
public sealed class ScriptedConnection(ModelSpec spec, string? fingerprint = null) : ICoordinatorConnection
{
    private readonly ParameterSet _global = ParameterSet.Initialize(spec, 1);

    /// <summary>The model every join hands out (one instance, as a real connection does).</summary>
    public CompiledModel Model { get; } = CompiledModel.Compile(spec);

    public Queue<Func<AssignmentOffer>> Offers { get; } = new();

    public Queue<Exception> JoinFailures { get; } = new();

    public Queue<Exception> SubmitFailures { get; } = new();

    public List<string> Calls { get; } = [];

    public List<(string UploadId, LocalUpdate Update)> Uploads { get; } = [];

    public List<long> Evaluations { get; } = [];

    public long Version { get; set; }

    /// <summary>The guarantee each join states (null: the run is not private).</summary>
    public RunPrivacy? Privacy { get; set; }

    public Task<FederationJoin> JoinAsync(string? runId, CancellationToken cancellationToken)
    {
        Calls.Add("join");
        if (JoinFailures.TryDequeue(out var failure))
        {
            throw failure;
        }

        return Task.FromResult(new FederationJoin("n1", "run-1", Model, fingerprint ?? Model.Fingerprint, Version, Privacy));
    }

    public async Task<AssignmentOffer> WaitForAssignmentAsync(string runId, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        Calls.Add("wait");
        if (Offers.TryDequeue(out var offer))
        {
            return offer();
        }

        // Nothing scripted: hold the poll until the test stops the node.
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new InvalidOperationException("unreachable");
    }

    public Task DownloadModelAsync(string runId, long modelVersion, ParameterSet target, CancellationToken cancellationToken)
    {
        Calls.Add($"download {modelVersion}");
        target.CopyScopeFrom(_global, ParameterScope.Shared);
        return Task.CompletedTask;
    }

    public Task<SubmitResult> SubmitUpdateAsync(string runId, string uploadId, LocalUpdate update, CancellationToken cancellationToken)
    {
        Calls.Add("submit");
        Uploads.Add((uploadId, update));
        if (SubmitFailures.TryDequeue(out var failure))
        {
            throw failure;
        }

        return Task.FromResult(new SubmitResult(true, false));
    }

    public Task<SubmitResult> SubmitEvaluationAsync(string runId, long modelVersion, IReadOnlyList<TaskMetrics> metrics, CancellationToken cancellationToken)
    {
        Calls.Add($"evaluate {modelVersion}");
        Evaluations.Add(modelVersion);
        return Task.FromResult(new SubmitResult(true, false));
    }

    public Queue<Exception> StatisticsFailures { get; } = new();

    public List<(long Round, IReadOnlyList<TaskLabelStatistics> Statistics)> LabelStatistics { get; } = [];

    public Task<SubmitResult> SubmitLabelStatisticsAsync(string runId, long round, IReadOnlyList<TaskLabelStatistics> statistics, CancellationToken cancellationToken)
    {
        Calls.Add($"statistics {round}");
        LabelStatistics.Add((round, statistics));
        if (StatisticsFailures.TryDequeue(out var failure))
        {
            throw failure;
        }

        return Task.FromResult(new SubmitResult(true, false));
    }

    public List<(LeaveReason Reason, string? Detail)> Leaves { get; } = [];

    public Task LeaveAsync(string runId, CancellationToken cancellationToken) => LeaveAsync(runId, LeaveReason.Unspecified, null, cancellationToken);

    public Task LeaveAsync(string runId, LeaveReason reason, string? detail, CancellationToken cancellationToken)
    {
        Calls.Add("leave");
        Leaves.Add((reason, detail));
        return Task.CompletedTask;
    }

    public static AssignmentOffer Assigned(long round, long version) =>
        new(AssignmentStatus.Assigned, Training.TestPlans.Assignment(round, version, p => p with { BatchSize = 16, LearningRate = 0.01f }));
}
