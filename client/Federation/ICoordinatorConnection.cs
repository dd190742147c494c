using Federated.Client.Training;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.SecureAggregation.Protocol;
using Federated.SecureAggregation.Protocol.Messages;

namespace Federated.Client.Federation;

/// <summary>
/// A node's view of the coordinator, in plain C# types: the node's loop speaks only this, so the same loop runs over
/// gRPC (a real node) or straight against the round engine in memory (the simulation).
/// </summary>
/// <remarks>
/// Transient failures (coordinator unreachable, deadline exceeded) surface as <see cref="CoordinatorUnavailableException"/>;
/// callers (<see cref="CoordinatorRetry"/>, <see cref="NodeRoundStep"/>) retry those with backoff, reusing the same upload id, which the coordinator
/// recognises (<see cref="SubmitResult.Duplicate"/>) instead of counting twice. Permanent refusals surface as
/// <see cref="UpdateRejectedException"/>; anything else is a bug or a protocol mismatch and is not retried.
/// </remarks>
public interface ICoordinatorConnection
{
    /// <summary>
    /// Joins <paramref name="runId"/>, or the single active run when null. The join carries the run's model compiled
    /// (<see cref="FederationJoin.Model"/>); joining again with the same spec gives the same instance.
    /// </summary>
    Task<FederationJoin> JoinAsync(string? runId, CancellationToken cancellationToken);

    /// <summary>Waits up to <paramref name="maxWait"/> for an assignment (a long poll; it also serves as a heartbeat).</summary>
    Task<AssignmentOffer> WaitForAssignmentAsync(string runId, TimeSpan maxWait, CancellationToken cancellationToken);

    /// <summary>Downloads global version <paramref name="modelVersion"/> and writes its shared tensors into <paramref name="target"/> (local tensors are left alone).</summary>
    Task DownloadModelAsync(string runId, long modelVersion, ParameterSet target, CancellationToken cancellationToken);

    /// <summary>Sends a trained update under <paramref name="uploadId"/> (stable across retries of the same update).</summary>
    Task<SubmitResult> SubmitUpdateAsync(string runId, string uploadId, LocalUpdate update, CancellationToken cancellationToken);

    /// <summary>Sends evaluation summaries of global version <paramref name="modelVersion"/> on the node's validation data.</summary>
    Task<SubmitResult> SubmitEvaluationAsync(string runId, long modelVersion, IReadOnlyList<TaskMetrics> metrics, CancellationToken cancellationToken);

    /// <summary>
    /// Sends this node's training-label statistics for the label-statistics round <paramref name="round"/> (an assignment
    /// with <see cref="TrainingAssignment.LabelStatisticsTasks"/>): one entry per task it lists. Sending the same values
    /// again in the same round is answered <see cref="SubmitResult.Duplicate"/>.
    /// </summary>
    Task<SubmitResult> SubmitLabelStatisticsAsync(string runId, long round, IReadOnlyList<TaskLabelStatistics> statistics, CancellationToken cancellationToken) =>
        throw new NotSupportedException("this coordinator connection does not carry label statistics");

    /// <summary>Leaves the run.</summary>
    Task LeaveAsync(string runId, CancellationToken cancellationToken);

    /// <summary>
    /// Leaves the run saying why (<paramref name="detail"/>: one line, cut to <see cref="LeaveDetail.MaxChars"/>); a
    /// connection that cannot carry the reason leaves without it.
    /// </summary>
    Task LeaveAsync(string runId, LeaveReason reason, string? detail, CancellationToken cancellationToken) => LeaveAsync(runId, cancellationToken);

    /// <summary>Secure aggregation, phase 0: sends this node's public keys for <paramref name="round"/>.</summary>
    Task<SubmitResult> SubmitKeyAdvertisementAsync(string runId, long round, KeyAdvertisement message, CancellationToken cancellationToken) => throw SecureAggregationUnsupported();

    /// <summary>Secure aggregation, phase 1: sends this node's sealed share bundles.</summary>
    Task<SubmitResult> SubmitSharedKeysAsync(string runId, long round, SharedKeys message, CancellationToken cancellationToken) => throw SecureAggregationUnsupported();

    /// <summary>Secure aggregation, phase 2: sends this node's masked input.</summary>
    Task<SubmitResult> SubmitMaskedInputAsync(string runId, long round, MaskedInput message, CancellationToken cancellationToken) => throw SecureAggregationUnsupported();

    /// <summary>Secure aggregation, phase 3: sends this node's shares for unmasking.</summary>
    Task<SubmitResult> SubmitUnmaskResponseAsync(string runId, long round, UnmaskResponse message, CancellationToken cancellationToken) => throw SecureAggregationUnsupported();

    /// <summary>Secure aggregation: waits up to <paramref name="maxWait"/> for what this node must do next in <paramref name="round"/> (a long poll).</summary>
    Task<SecAggPhaseMessage> WaitForSecureAggregationAsync(string runId, long round, TimeSpan maxWait, CancellationToken cancellationToken) => throw SecureAggregationUnsupported();

    private static NotSupportedException SecureAggregationUnsupported() => new("this coordinator connection does not carry secure aggregation");
}
