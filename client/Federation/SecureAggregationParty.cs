using Federated.Client.Training;
using Federated.Model.Parameters;
using Federated.Model.Updates;
using Federated.SecureAggregation;
using Federated.SecureAggregation.Protocol;

namespace Federated.Client.Federation;

/// <summary>
/// One node's side of one secure-aggregation round, over its <see cref="ICoordinatorConnection"/>: it advertises fresh
/// keys, then answers each phase the coordinator opens — shares its secrets with its neighbours, sends its update masked,
/// reveals the shares asked for — with a <see cref="SecAggClient"/> (Bonawitz et al., CCS 2017).
/// </summary>
/// <remarks>
/// <para>
/// What it masks: the node's clipped Δ of every shared tensor, <b>dense over all rows</b> (a row-sparse embedding delta is
/// scattered into zeros, so the coordinator learns no row set), each tensor times a = min(w, W)/W for its weight w, then
/// one weight element per group (<see cref="WeightedUpdateVector"/>), quantised into Z_2^32 with the round's
/// <see cref="SecureAggregation.Quantization.FixedPointQuantizer"/>. The node's training metrics and exact example counts are not sent: they would
/// describe this node alone.
/// </para>
/// <para>
/// Calls that fail with <see cref="CoordinatorUnavailableException"/> are retried (a message that did arrive is
/// recognised as a duplicate). Its secrets come from the operating system's CSPRNG unless a seeded
/// <see cref="RandomSource"/> is given (repeatable simulations only). Not thread-safe; dispose it to drop the keys.
/// </para>
/// </remarks>
public sealed class SecureAggregationParty : IDisposable
{
    private readonly ICoordinatorConnection _connection;
    private readonly CoordinatorRetry _retry;
    private readonly string _runId;
    private readonly LocalUpdate _update;
    private readonly CompiledModel _model;
    private readonly SecAggClient _client;

    /// <summary>The party of <paramref name="update"/>'s node in the round <paramref name="assignment"/> describes.</summary>
    /// <param name="connection">The node's connection.</param>
    /// <param name="retry">How failed calls are retried.</param>
    /// <param name="runId">The run.</param>
    /// <param name="assignment">The node's part in the round.</param>
    /// <param name="update">The node's trained, clipped update of that round.</param>
    /// <param name="model">The run's model (its shared layout fixes the vector).</param>
    /// <param name="random">Where the secrets come from; null: the operating system's CSPRNG.</param>
    /// <exception cref="ArgumentException">The assignment is malformed or does not fit the model.</exception>
    public SecureAggregationParty(ICoordinatorConnection connection, CoordinatorRetry retry, string runId, SecAggAssignment assignment, LocalUpdate update, CompiledModel model, RandomSource? random = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(retry);
        ArgumentNullException.ThrowIfNull(assignment);
        ArgumentNullException.ThrowIfNull(update);
        ArgumentNullException.ThrowIfNull(model);
        assignment.Validate();
        var length = new WeightedUpdateVector(model).Length;
        if (assignment.Setup.VectorLength != length)
        {
            throw new ArgumentException($"the round masks vectors of {assignment.Setup.VectorLength} elements, but this model's update vector has {length}", nameof(assignment));
        }

        _connection = connection;
        _retry = retry;
        _runId = runId;
        _update = update;
        _model = model;
        Assignment = assignment;
        _client = new SecAggClient(assignment.Setup, assignment.Party, random ?? RandomSource.System);
    }

    /// <summary>The node's part in the round.</summary>
    public SecAggAssignment Assignment { get; }

    /// <summary>The round.</summary>
    public long Round => _update.Round;

    /// <summary>Why the round ended without this node's contribution (set when a step returned <see cref="SecAggPhaseKind.Failed"/>).</summary>
    public string? FailureReason { get; private set; }

    /// <summary>The quantised input vector x_u of a node's update: what its masked input hides.</summary>
    public static uint[] Quantize(LocalUpdate update, CompiledModel model, SecAggAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(update);
        ArgumentNullException.ThrowIfNull(assignment);
        var codec = new WeightedUpdateVector(model);
        var vector = new float[codec.Length];
        codec.Encode(update.Delta, update.ExampleCount, update.LabelledExamples, assignment.MaxWeight, vector);
        var input = new uint[vector.Length];
        assignment.CreateQuantizer().Quantize(vector, input);
        return input;
    }

    /// <summary>Phase 0: sends this party's fresh public keys.</summary>
    public Task AdvertiseAsync(CancellationToken stoppingToken = default)
    {
        var keys = _client.AdvertiseKeys();
        return _retry.RunAsync($"key advertisement of round {Round}", ct => _connection.SubmitKeyAdvertisementAsync(_runId, Round, keys, ct), CancellationToken.None, stoppingToken);
    }

    /// <summary>
    /// Asks once (waiting up to <paramref name="maxWait"/>) what to do next and does it: answers a key directory, a share
    /// inbox or an unmask request. Returns what the coordinator said: <see cref="SecAggPhaseKind.Done"/> or
    /// <see cref="SecAggPhaseKind.Failed"/> end this party's part; anything else means ask again.
    /// </summary>
    public async Task<SecAggPhaseKind> StepAsync(TimeSpan maxWait, CancellationToken stoppingToken = default)
    {
        var next = await _retry.RunAsync($"secure-aggregation poll of round {Round}", ct => _connection.WaitForSecureAggregationAsync(_runId, Round, maxWait, ct), stoppingToken, stoppingToken).ConfigureAwait(false);
        try
        {
            switch (next.Kind)
            {
                case SecAggPhaseKind.KeyDirectory:
                    var shared = _client.ShareKeys(next.Directory ?? throw new SecureAggregationException("the key directory is missing"));
                    await _retry.RunAsync($"key sharing of round {Round}", ct => _connection.SubmitSharedKeysAsync(_runId, Round, shared, ct), CancellationToken.None, stoppingToken).ConfigureAwait(false);
                    break;
                case SecAggPhaseKind.ShareInbox:
                    var masked = _client.MaskInput(next.Inbox ?? throw new SecureAggregationException("the share inbox is missing"), Quantize(_update, _model, Assignment));
                    await _retry.RunAsync($"masked input of round {Round}", ct => _connection.SubmitMaskedInputAsync(_runId, Round, masked, ct), CancellationToken.None, stoppingToken).ConfigureAwait(false);
                    break;
                case SecAggPhaseKind.UnmaskRequest:
                    var response = _client.Unmask(next.Request ?? throw new SecureAggregationException("the unmask request is missing"));
                    await _retry.RunAsync($"unmasking of round {Round}", ct => _connection.SubmitUnmaskResponseAsync(_runId, Round, response, ct), CancellationToken.None, stoppingToken).ConfigureAwait(false);
                    break;
                case SecAggPhaseKind.Failed:
                    FailureReason = next.Reason ?? "the round failed";
                    break;
            }
        }
        catch (SecureAggregationException e)
        {
            // The coordinator sent something this party refuses (a request that would unmask a neighbour, too few
            // neighbours left): it stops here and the round goes on, or fails, without it.
            FailureReason = e.Message;
            return SecAggPhaseKind.Failed;
        }
        catch (UpdateRejectedException e) when (!e.IsRevocation)
        {
            FailureReason = $"{e.Reason}: {e.Message}";
            return SecAggPhaseKind.Failed;
        }

        return next.Kind;
    }

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();
}
