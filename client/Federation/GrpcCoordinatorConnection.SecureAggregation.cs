using Federated.Protos;
using Federated.Protos.V1;
using Federated.SecureAggregation.Protocol;
using Lib = Federated.SecureAggregation.Protocol.Messages;

namespace Federated.Client.Federation;

/// <summary>The secure-aggregation calls over gRPC (SubmitSecureAggregation, WaitForSecureAggregationPhase).</summary>
public sealed partial class GrpcCoordinatorConnection
{
    /// <summary>This node's party id per round of a secure run, from its assignments: the replies name no recipient.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string RunId, long Round), int> _parties = new();

    /// <inheritdoc/>
    public Task<SubmitResult> SubmitKeyAdvertisementAsync(string runId, long round, Lib.KeyAdvertisement message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return SubmitSecureAsync($"key advertisement of round {round}", new SecureAggregationSubmission { RunId = runId, Round = round, Party = (uint)message.Party, Keys = message.ToProto() }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<SubmitResult> SubmitSharedKeysAsync(string runId, long round, Lib.SharedKeys message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return SubmitSecureAsync($"key sharing of round {round}", new SecureAggregationSubmission { RunId = runId, Round = round, Party = (uint)message.Party, SharedKeys = SecureAggregationProto.ToProto(message.Shares) }, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>Streamed: the header, then the values in chunks of <see cref="MaskedValuesPerChunk"/> (1 MiB each).</remarks>
    public async Task<SubmitResult> SubmitMaskedInputAsync(string runId, long round, Lib.MaskedInput message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var values = message.Values;
        var reply = await CallAsync($"masked input of round {round}", async () =>
        {
            using var call = _client.SubmitMaskedInput(_headers, Deadline(_options.TransferTimeout), cancellationToken);
            var header = new MaskedInputHeader { RunId = runId, Round = round, Party = (uint)message.Party, TotalLength = (uint)values.Length };
            await call.RequestStream.WriteAsync(new MaskedInputChunk { Header = header }, cancellationToken).ConfigureAwait(false);
            for (var offset = 0; offset < values.Length; offset += MaskedValuesPerChunk)
            {
                var chunk = new Protos.V1.MaskedInput();
                chunk.Values.AddRange(new ArraySegment<uint>(values, offset, Math.Min(MaskedValuesPerChunk, values.Length - offset)));
                await call.RequestStream.WriteAsync(new MaskedInputChunk { Values = chunk }, cancellationToken).ConfigureAwait(false);
            }

            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            return await call.ResponseAsync.ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return new SubmitResult(true, reply.Duplicate);
    }

    /// <summary>Values of a masked input per streamed message: 256 Ki (1 MiB), well within the coordinator's 4 MiB message limit.</summary>
    public const int MaskedValuesPerChunk = 256 * 1024;

    /// <inheritdoc/>
    public Task<SubmitResult> SubmitUnmaskResponseAsync(string runId, long round, Lib.UnmaskResponse message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return SubmitSecureAsync($"unmasking of round {round}", new SecureAggregationSubmission { RunId = runId, Round = round, Party = (uint)message.Party, Unmask = message.ToProto() }, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<SecAggPhaseMessage> WaitForSecureAggregationAsync(string runId, long round, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var party = _parties.TryGetValue((runId, round), out var p) ? p : throw new InvalidOperationException($"no secure-aggregation assignment of round {round} was received on this connection");
        var request = new WaitForSecureAggregationPhaseRequest { RunId = runId, Round = round, MaxWaitMs = (long)Math.Max(0, maxWait.TotalMilliseconds) };
        var reply = await CallAsync($"secure-aggregation poll of round {round}", () => _client.WaitForSecureAggregationPhaseAsync(request, _headers, Deadline(maxWait + _options.PollGrace), cancellationToken).ResponseAsync, cancellationToken).ConfigureAwait(false);
        try
        {
            return SecureAggregationProto.FromProto(reply, party);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"the coordinator's secure-aggregation reply for round {round} is not understood: {e.Message}", e);
        }
    }

    private async Task<SubmitResult> SubmitSecureAsync(string what, SecureAggregationSubmission request, CancellationToken cancellationToken)
    {
        var reply = await CallAsync(what, () => _client.SubmitSecureAggregationAsync(request, _headers, Deadline(_options.TransferTimeout), cancellationToken).ResponseAsync, cancellationToken).ConfigureAwait(false);
        return new SubmitResult(true, reply.Duplicate);
    }

    /// <summary>The node's part in a secure round, from its assignment; null for a plain round.</summary>
    private SecAggAssignment? ReadSecureSetup(Protos.V1.Assignment assignment, string runId)
    {
        if (assignment.SecureAggregation is not { } setup)
        {
            return null;
        }

        try
        {
            var secure = SecureAggregationProto.FromProto(setup, runId, assignment.Round);
            _parties[(runId, assignment.Round)] = secure.Party;
            return secure;
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"the assignment of round {assignment.Round} carries an impossible secure-aggregation setup: {e.Message}", e);
        }
    }
}
