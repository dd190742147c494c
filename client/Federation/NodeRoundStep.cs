using Federated.Client.Training;
using Federated.Model.Parameters;
using Federated.SecureAggregation.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Federated.Client.Federation;

/// <summary>
/// A node's part of one round, for one node joined to one run: train the assignment (on the caller's session or
/// workspace), then submit the update under its stable <see cref="UploadId"/> with retries, and take a refusal as an
/// outcome rather than a failure. <see cref="NodeRunner"/> and the simulation's virtual clients both go through it.
/// </summary>
/// <remarks>
/// <para>
/// Training and submitting are separate calls so that a caller may train many nodes in parallel and submit in an order
/// of its own (the simulation submits in client order, since the aggregate is a floating-point running sum);
/// <see cref="TrainAndSubmitAsync"/> does both for a single node.
/// </para>
/// <para>
/// An upload that fails with <see cref="CoordinatorUnavailableException"/> is sent again under the same id, which the
/// coordinator recognises when the first attempt did arrive (<see cref="SubmitResult.Duplicate"/>), so an update is
/// never counted twice. An <see cref="UpdateRejectedException"/> (round closed, norm above the bound, …) is logged,
/// reported as <see cref="NodeProgressKind.Rejected"/> and returned in <see cref="UpdateSubmission.Rejection"/>.
/// Use one step from one thread at a time.
/// </para>
/// </remarks>
public sealed class NodeRoundStep
{
    private readonly ICoordinatorConnection _connection;
    private readonly CoordinatorRetry _retry;
    private readonly ILogger _logger;
    private readonly IProgress<NodeProgress>? _progress;

    /// <summary>The round step of the node that joined as <paramref name="join"/>.</summary>
    /// <param name="connection">The node's connection to the coordinator.</param>
    /// <param name="join">What the node learnt when it joined: its id and the run's (they name its uploads).</param>
    /// <param name="retry">How failed uploads are retried.</param>
    /// <param name="logger">Logs training, submission and refusals.</param>
    /// <param name="progress">Receives each step, synchronously.</param>
    public NodeRoundStep(ICoordinatorConnection connection, FederationJoin join, CoordinatorRetry retry, ILogger? logger = null, IProgress<NodeProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(join);
        ArgumentNullException.ThrowIfNull(retry);
        _connection = connection;
        Join = join;
        _retry = retry;
        _logger = logger ?? NullLogger.Instance;
        _progress = progress;
    }

    /// <summary>The node and run this step speaks for.</summary>
    public FederationJoin Join { get; }

    /// <summary>The id of this node's update for <paramref name="round"/> from <paramref name="baseVersion"/>.</summary>
    public string UploadIdFor(long round, long baseVersion) => UploadId.For(Join.NodeId, Join.RunId, round, baseVersion);

    /// <summary>Trains <paramref name="assignment"/> on a node's own session.</summary>
    /// <param name="session">The node's session.</param>
    /// <param name="assignment">The assignment.</param>
    /// <param name="global">The shared parameters of its version.</param>
    /// <param name="cancellationToken">Cancels training (nothing is saved then).</param>
    /// <returns>The update.</returns>
    public LocalUpdate Train(NodeTrainingSession session, TrainingAssignment assignment, ParameterSet global, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        return Trained(session.Train(assignment, global, cancellationToken));
    }

    /// <summary>Trains <paramref name="assignment"/> for <paramref name="client"/> on a workspace lent to it.</summary>
    /// <param name="workspace">The workspace.</param>
    /// <param name="client">The node's data and local state.</param>
    /// <param name="assignment">The assignment.</param>
    /// <param name="global">The shared parameters of its version.</param>
    /// <param name="cancellationToken">Cancels training (nothing is saved then).</param>
    /// <returns>The update.</returns>
    public LocalUpdate Train(TrainingWorkspace workspace, LocalClient client, TrainingAssignment assignment, ParameterSet global, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        return Trained(workspace.Train(client, assignment, global, cancellationToken));
    }

    /// <summary>Submits <paramref name="update"/> under its upload id, retrying while the coordinator is unreachable.</summary>
    /// <param name="update">A trained update of this node.</param>
    /// <param name="stoppingToken">Ends the waits between retries; the upload in flight itself is not cancelled.</param>
    /// <returns>Counted, or refused.</returns>
    /// <exception cref="CoordinatorUnavailableException">Unreachable after the retries.</exception>
    /// <exception cref="UpdateRejectedException">The node's token was revoked (<see cref="UpdateRejectedException.IsRevocation"/>): the end of the node, not a refused update.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="stoppingToken"/> was cancelled during a wait.</exception>
    public async Task<UpdateSubmission> SubmitAsync(LocalUpdate update, CancellationToken stoppingToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        var round = update.Round;
        var uploadId = UploadIdFor(round, update.ModelVersion);
        try
        {
            var result = await _retry.RunAsync(
                $"upload of round {round}", ct => _connection.SubmitUpdateAsync(Join.RunId, uploadId, update, ct), CancellationToken.None, stoppingToken).ConfigureAwait(false);
            NodeRunnerLog.Submitted(_logger, round, uploadId, result.Duplicate);
            Report(NodeProgressKind.Submitted, update, result.Duplicate ? $"round {round}: update already counted" : $"round {round}: update accepted");
            return new UpdateSubmission(round, uploadId, result, null);
        }
        catch (UpdateRejectedException e) when (!e.IsRevocation)
        {
            NodeRunnerLog.Rejected(_logger, $"the update of round {round}", e.Reason, e.Message);
            Report(NodeProgressKind.Rejected, update, $"round {round}: update refused ({e.Reason}); waiting for the next round");
            return new UpdateSubmission(round, uploadId, null, e);
        }
    }

    /// <summary>
    /// Trains on the node's session and submits, as one step that a stop does not interrupt: training and the upload
    /// run to their end, only the waits between retries end at <paramref name="stoppingToken"/>.
    /// </summary>
    /// <remarks>An assignment with <see cref="TrainingAssignment.SecureAggregation"/> is submitted through the protocol (<see cref="SubmitSecureAsync"/>).</remarks>
    public Task<UpdateSubmission> TrainAndSubmitAsync(NodeTrainingSession session, TrainingAssignment assignment, ParameterSet global, CancellationToken stoppingToken = default)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var update = Train(session, assignment, global, CancellationToken.None);
        return assignment.SecureAggregation is { } secure ? SubmitSecureAsync(update, secure, SecurePollWait, stoppingToken) : SubmitAsync(update, stoppingToken);
    }

    /// <summary>
    /// Answers a label-statistics assignment (<see cref="TrainingAssignment.LabelStatisticsTasks"/>): sends the count and
    /// sum of <paramref name="data"/>'s training labels per asked task, retrying while the coordinator is unreachable (the
    /// same values again are recognised, <see cref="SubmitResult.Duplicate"/>). Nothing is trained or downloaded. A refusal
    /// (the round closed first, …) is logged, reported as <see cref="NodeProgressKind.Rejected"/> and returned.
    /// </summary>
    /// <param name="data">The node's data; only its training split is read.</param>
    /// <param name="assignment">A label-statistics assignment.</param>
    /// <param name="stoppingToken">Ends the waits between retries; the call in flight itself is not cancelled.</param>
    /// <returns>Counted, or refused.</returns>
    /// <exception cref="ArgumentException"><paramref name="assignment"/> asks for no label statistics.</exception>
    /// <exception cref="CoordinatorUnavailableException">Unreachable after the retries.</exception>
    /// <exception cref="UpdateRejectedException">The node's token was revoked.</exception>
    public async Task<UpdateSubmission> SubmitLabelStatisticsAsync(Data.NodeDataset data, TrainingAssignment assignment, CancellationToken stoppingToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(assignment);
        var tasks = assignment.LabelStatisticsTasks ?? throw new ArgumentException("the assignment asks for no label statistics", nameof(assignment));
        var round = assignment.Round;
        var statistics = DataOutputBias.StatisticsOf(data, tasks);
        try
        {
            var result = await _retry.RunAsync(
                $"label statistics of round {round}", ct => _connection.SubmitLabelStatisticsAsync(Join.RunId, round, statistics, ct), CancellationToken.None, stoppingToken).ConfigureAwait(false);
            NodeRunnerLog.LabelStatisticsSubmitted(_logger, round, tasks.Count, result.Duplicate);
            _progress?.Report(new NodeProgress(NodeProgressKind.Submitted, round, assignment.ModelVersion, result.Duplicate
                ? $"round {round}: label statistics already counted"
                : $"round {round}: label statistics of {tasks.Count} shared task(s) accepted (nothing trained)"));
            return new UpdateSubmission(round, "", result, null);
        }
        catch (UpdateRejectedException e) when (!e.IsRevocation)
        {
            NodeRunnerLog.Rejected(_logger, $"the label statistics of round {round}", e.Reason, e.Message);
            _progress?.Report(new NodeProgress(NodeProgressKind.Rejected, round, assignment.ModelVersion, $"round {round}: label statistics refused ({e.Reason}); waiting for the next round"));
            return new UpdateSubmission(round, "", null, e);
        }
    }

    /// <summary>How long one poll for the next secure-aggregation phase waits at most (a long poll, like the assignment's).</summary>
    public static TimeSpan SecurePollWait { get; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Submits <paramref name="update"/> through the four phases of a secure-aggregation round with fresh keys from the
    /// operating system's CSPRNG (<see cref="SecureAggregationParty"/>): advertise, then answer each phase until the
    /// coordinator says this node's part is done or the round went on (or failed) without it.
    /// </summary>
    /// <param name="update">A trained update of this node.</param>
    /// <param name="secure">Its part in the round.</param>
    /// <param name="pollWait">How long each poll for the next phase waits at most.</param>
    /// <param name="stoppingToken">Ends the waits.</param>
    /// <returns>Counted (the node's part is done), or refused with the reason.</returns>
    /// <exception cref="CoordinatorUnavailableException">Unreachable after the retries.</exception>
    /// <exception cref="UpdateRejectedException">The node's token was revoked.</exception>
    public async Task<UpdateSubmission> SubmitSecureAsync(LocalUpdate update, SecAggAssignment secure, TimeSpan pollWait, CancellationToken stoppingToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        var round = update.Round;
        var uploadId = UploadIdFor(round, update.ModelVersion);
        using var party = new SecureAggregationParty(_connection, _retry, Join.RunId, secure, update, Join.Model);
        try
        {
            await party.AdvertiseAsync(stoppingToken).ConfigureAwait(false);
            while (true)
            {
                var kind = await party.StepAsync(pollWait, stoppingToken).ConfigureAwait(false);
                if (kind == SecAggPhaseKind.Done)
                {
                    NodeRunnerLog.Submitted(_logger, round, uploadId, false);
                    Report(NodeProgressKind.Submitted, update, $"round {round}: masked update aggregated");
                    return new UpdateSubmission(round, uploadId, new SubmitResult(true, false), null);
                }

                if (kind == SecAggPhaseKind.Failed)
                {
                    throw new UpdateRejectedException(SecureAggregationFailed, party.FailureReason ?? "the secure-aggregation round went on without this node");
                }
            }
        }
        catch (UpdateRejectedException e) when (!e.IsRevocation)
        {
            NodeRunnerLog.Rejected(_logger, $"the masked update of round {round}", e.Reason, e.Message);
            Report(NodeProgressKind.Rejected, update, $"round {round}: masked update not aggregated ({e.Reason}); waiting for the next round");
            return new UpdateSubmission(round, uploadId, null, e);
        }
    }

    /// <summary>The reason of a secure-aggregation round that failed, or went on without this node.</summary>
    public const string SecureAggregationFailed = "secure-aggregation-failed";

    private LocalUpdate Trained(LocalUpdate update)
    {
        if (_progress is null && !_logger.IsEnabled(LogLevel.Information))
        {
            // Thousands of virtual clients report to nobody: spare them the formatting.
            return update;
        }

        var figures = MetricsText.Format(update.TrainingMetrics);
        NodeRunnerLog.Trained(_logger, update.Round, update.ModelVersion, update.ExampleCount, update.Steps, update.NormBeforeClip, figures);
        _progress?.Report(new NodeProgress(
            NodeProgressKind.Trained, update.Round, update.ModelVersion, $"round {update.Round}: trained on {update.ExampleCount} examples ({update.Steps} steps), train {figures}", update.TrainingMetrics));
        return update;
    }

    private void Report(NodeProgressKind kind, LocalUpdate update, string message) =>
        _progress?.Report(new NodeProgress(kind, update.Round, update.ModelVersion, message));
}
