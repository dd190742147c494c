using Federated.Client.Federation;
using Federated.Client.Training;
using Federated.Coordinator.Grpc;
using Federated.Coordinator.Rounds;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.SecureAggregation.Protocol;
using Federated.SecureAggregation.Protocol.Messages;

namespace Federated.Simulation.Federation;

/// <summary>
/// One virtual node's <see cref="ICoordinatorConnection"/> straight over a <see cref="RoundEngine"/> in the same
/// process: no sockets, no serialisation. The node loop cannot tell it from the gRPC connection; the simulation uses it
/// by default and the gRPC one for <c>--transport grpc</c>.
/// </summary>
/// <remarks>
/// Every call completes synchronously. Rejections surface as <see cref="UpdateRejectedException"/> with the same
/// kebab-case reason code the gRPC adapter puts in its status (<c>stale-round</c>, <c>norm-too-large</c>, …).
/// The node is trusted (no token check): the engine is told so by a null authenticated id.
/// </remarks>
public sealed class InMemoryCoordinatorConnection : ICoordinatorConnection
{
    private readonly RoundEngine _engine;
    private readonly CompiledModel _model;

    /// <summary>A connection for node <paramref name="nodeId"/>, which must be enrolled in the engine's store.</summary>
    /// <param name="engine">The round engine.</param>
    /// <param name="nodeId">The node's id.</param>
    /// <param name="model">
    /// The run's model as this process compiled it, shared by every virtual node: a join of the run whose spec is this
    /// model's (the engine hands out the run config's own spec instance) gets it rather than a compilation of its own.
    /// </param>
    public InMemoryCoordinatorConnection(RoundEngine engine, string nodeId, CompiledModel model)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentNullException.ThrowIfNull(model);
        _engine = engine;
        NodeId = nodeId;
        _model = model;
    }

    /// <summary>The node this connection speaks for.</summary>
    public string NodeId { get; }

    /// <inheritdoc/>
    public Task<FederationJoin> JoinAsync(string? runId, CancellationToken cancellationToken)
    {
        var joined = Call(() => _engine.Join(NodeId, runId));
        var run = joined.Run;

        // Another run of the same engine has another spec: compile that one (not the simulation's path).
        var model = ReferenceEquals(joined.Spec, _model.Spec) ? _model : CompiledModel.Compile(joined.Spec);
        return Task.FromResult(new FederationJoin(NodeId, run.RunId, model, run.LayoutFingerprint, run.ModelVersion, PrivacyOf(run)));
    }

    /// <inheritdoc/>
    public async Task<AssignmentOffer> WaitForAssignmentAsync(string runId, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        AssignmentPoll poll;
        try
        {
            poll = maxWait <= TimeSpan.Zero
                ? _engine.PollAssignment(NodeId, runId)
                : await _engine.WaitForAssignmentAsync(NodeId, runId, maxWait, cancellationToken).ConfigureAwait(false);
        }
        catch (RejectionException e)
        {
            throw Rejected(e);
        }

        var privacy = PrivacyOf(_engine.GetRun(runId));
        if (poll.Assignment is { } assignment)
        {
            return new AssignmentOffer(AssignmentStatus.Assigned, ToTrainingAssignment(assignment), assignment.Deadline, privacy);
        }

        return new AssignmentOffer(poll.RunEnded ? AssignmentStatus.RunEnded : AssignmentStatus.Wait, Privacy: privacy);
    }

    private static RunPrivacy? PrivacyOf(RunSummary run) =>
        run.Privacy is { } spent ? RunPrivacy.From(spent.Epsilon, spent.Delta, run.TargetEpsilon) : null;

    /// <inheritdoc/>
    public Task DownloadModelAsync(string runId, long modelVersion, ParameterSet target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var model = Call(() => _engine.OpenModel(NodeId, runId, modelVersion));
        target.CopyTensorsFrom(model.Parameters, ParameterScope.Shared);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<SubmitResult> SubmitUpdateAsync(string runId, string uploadId, LocalUpdate update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        var outcome = Call(() => _engine.SubmitUpdate(null, new NodeUpdate
        {
            RunId = runId,
            Round = update.Round,
            BaseVersion = update.ModelVersion,
            NodeId = NodeId,
            UploadId = uploadId,
            Examples = update.ExampleCount,
            TaskExamples = update.LabelledExamples,
            TrainingMetrics = update.TrainingMetrics,
            Delta = update.Delta,
        }));
        return Task.FromResult(new SubmitResult(true, outcome.Duplicate));
    }

    /// <inheritdoc/>
    public Task<SubmitResult> SubmitLabelStatisticsAsync(string runId, long round, IReadOnlyList<TaskLabelStatistics> statistics, CancellationToken cancellationToken) =>
        Task.FromResult(Receipt(Call(() => _engine.SubmitLabelStatistics(NodeId, runId, round, statistics))));

    /// <inheritdoc/>
    public Task<SubmitResult> SubmitEvaluationAsync(string runId, long modelVersion, IReadOnlyList<TaskMetrics> metrics, CancellationToken cancellationToken)
    {
        var outcome = Call(() => _engine.SubmitEvaluation(NodeId, runId, modelVersion, metrics));
        return Task.FromResult(new SubmitResult(true, outcome.Duplicate));
    }

    /// <inheritdoc/>
    public Task LeaveAsync(string runId, CancellationToken cancellationToken)
    {
        Call(() =>
        {
            _engine.Leave(NodeId, runId);
            return true;
        });
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<SubmitResult> SubmitKeyAdvertisementAsync(string runId, long round, KeyAdvertisement message, CancellationToken cancellationToken) =>
        Task.FromResult(Receipt(Call(() => _engine.SubmitKeyAdvertisement(null, NodeId, runId, round, message))));

    /// <inheritdoc/>
    public Task<SubmitResult> SubmitSharedKeysAsync(string runId, long round, SharedKeys message, CancellationToken cancellationToken) =>
        Task.FromResult(Receipt(Call(() => _engine.SubmitSharedKeys(null, NodeId, runId, round, message))));

    /// <inheritdoc/>
    public Task<SubmitResult> SubmitMaskedInputAsync(string runId, long round, MaskedInput message, CancellationToken cancellationToken) =>
        Task.FromResult(Receipt(Call(() => _engine.SubmitMaskedInput(null, NodeId, runId, round, message))));

    /// <inheritdoc/>
    public Task<SubmitResult> SubmitUnmaskResponseAsync(string runId, long round, UnmaskResponse message, CancellationToken cancellationToken) =>
        Task.FromResult(Receipt(Call(() => _engine.SubmitUnmaskResponse(null, NodeId, runId, round, message))));

    /// <inheritdoc/>
    public async Task<SecAggPhaseMessage> WaitForSecureAggregationAsync(string runId, long round, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        try
        {
            return maxWait <= TimeSpan.Zero
                ? _engine.PollSecureAggregation(NodeId, runId, round)
                : await _engine.WaitForSecureAggregationAsync(NodeId, runId, round, maxWait, cancellationToken).ConfigureAwait(false);
        }
        catch (RejectionException e)
        {
            throw Rejected(e);
        }
    }

    /// <summary>The node-side form of an engine assignment.</summary>
    public static TrainingAssignment ToTrainingAssignment(Assignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        return new TrainingAssignment { Round = assignment.Round, ModelVersion = assignment.ModelVersion, Plan = assignment.Plan, SecureAggregation = assignment.SecureAggregation, LabelStatisticsTasks = assignment.LabelStatisticsTasks };
    }

    private static SubmitResult Receipt(SubmitOutcome outcome) => new(true, outcome.Duplicate);

    private static T Call<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (RejectionException e)
        {
            throw Rejected(e);
        }
    }

    private static UpdateRejectedException Rejected(RejectionException e) => new(RejectionStatus.NameOf(e.Reason), e.Message, e);
}
