using Federated.Client.Federation;
using Federated.Client.Training;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Updates;
using Federated.SecureAggregation.Crypto;
using Federated.SecureAggregation.Protocol;
using Federated.SecureAggregation.Protocol.Messages;

namespace Federated.Client.Tests.Federation;

/// <summary>A node's secure submission when the coordinator says the round went on without it, or asks for too much.</summary>
public sealed class SecureSubmissionTests
{
    private static readonly CompiledModel Model = CompiledModel.Compile(SyntheticData.Spec());

    [Fact]
    public async Task SubmitSecureAsync_RoundFailed_RefusedWithTheCoordinatorsReasonAfterAdvertising()
    {
        var connection = new PhaseConnection(SecAggPhaseMessage.FailedBecause("round 1 failed: only 1 party advertised keys"));
        var step = new NodeRoundStep(connection, new FederationJoin("n1", "run-1", Model, Model.Fingerprint, 0), new CoordinatorRetry());

        var submission = await step.SubmitSecureAsync(Update(), Assignment(), TimeSpan.Zero);

        Assert.False(submission.Counted);
        Assert.Equal(NodeRoundStep.SecureAggregationFailed, submission.Rejection!.Reason);
        Assert.Contains("only 1 party advertised keys", submission.Rejection.Message, StringComparison.Ordinal);
        Assert.Equal(["keys", "poll"], connection.Calls);
    }

    [Fact]
    public async Task SubmitSecureAsync_DirectoryWithoutItsOwnKeys_RefusesAndSendsNoShares()
    {
        // A directory that leaves out the node's own advertisement: the node refuses to share its secrets.
        var connection = new PhaseConnection(new SecAggPhaseMessage(SecAggPhaseKind.KeyDirectory, Directory: new KeyDirectory(1, [])));
        var step = new NodeRoundStep(connection, new FederationJoin("n1", "run-1", Model, Model.Fingerprint, 0), new CoordinatorRetry());

        var submission = await step.SubmitSecureAsync(Update(), Assignment(), TimeSpan.Zero);

        Assert.Equal(NodeRoundStep.SecureAggregationFailed, submission.Rejection!.Reason);
        Assert.DoesNotContain("shared-keys", connection.Calls);
    }

    private static SecAggAssignment Assignment() =>
        new(new SecAggRoundSetup(new SecAggContext("run-1", 1), [1, 2, 3], 2, new WeightedUpdateVector(Model).Length), 1, 20, 1000);

    private static LocalUpdate Update()
    {
        var global = Model.InitializeShared(1);
        return new LocalUpdate(1, 0, ModelDelta.Compute(global, global), 0, 10, new Dictionary<string, long>(), [], 1);
    }

    /// <summary>A coordinator that takes every message and answers every poll with one reply.</summary>
    private sealed class PhaseConnection(SecAggPhaseMessage reply) : ICoordinatorConnection
    {
        public List<string> Calls { get; } = [];

        public Task<SubmitResult> SubmitKeyAdvertisementAsync(string runId, long round, KeyAdvertisement message, CancellationToken cancellationToken) => Record("keys");

        public Task<SubmitResult> SubmitSharedKeysAsync(string runId, long round, SharedKeys message, CancellationToken cancellationToken) => Record("shared-keys");

        public Task<SecAggPhaseMessage> WaitForSecureAggregationAsync(string runId, long round, TimeSpan maxWait, CancellationToken cancellationToken)
        {
            Calls.Add("poll");
            return Task.FromResult(reply);
        }

        public Task<FederationJoin> JoinAsync(string? runId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<AssignmentOffer> WaitForAssignmentAsync(string runId, TimeSpan maxWait, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task DownloadModelAsync(string runId, long modelVersion, ParameterSet target, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<SubmitResult> SubmitUpdateAsync(string runId, string uploadId, LocalUpdate update, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<SubmitResult> SubmitEvaluationAsync(string runId, long modelVersion, IReadOnlyList<TaskMetrics> metrics, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task LeaveAsync(string runId, CancellationToken cancellationToken) => throw new NotSupportedException();

        private Task<SubmitResult> Record(string call)
        {
            Calls.Add(call);
            return Task.FromResult(new SubmitResult(true, false));
        }
    }
}
