using Federated.Coordinator.Rounds;
using Federated.Coordinator.Security;
using Federated.Coordinator.Uploads;
using Federated.Protos;
using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Coordinator.Grpc;

/// <summary>The secure-aggregation RPCs: thin adapters from their messages to the engine's phases.</summary>
public sealed partial class FederationService
{
    /// <inheritdoc />
    public override Task<SecureAggregationReceipt> SubmitSecureAggregation(SecureAggregationSubmission request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var node = context.GetNodeId();
        var outcome = request.MessageCase switch
        {
            SecureAggregationSubmission.MessageOneofCase.Keys =>
                _engine.SubmitKeyAdvertisement(node, node, request.RunId, request.Round, SecureAggregationProto.FromProto(request.Keys, request.Party)),
            SecureAggregationSubmission.MessageOneofCase.SharedKeys =>
                _engine.SubmitSharedKeys(node, node, request.RunId, request.Round, new(Party(request), SecureAggregationProto.FromProto(request.SharedKeys))),
            SecureAggregationSubmission.MessageOneofCase.Unmask =>
                _engine.SubmitUnmaskResponse(node, node, request.RunId, request.Round, SecureAggregationProto.FromProto(request.Unmask, request.Party)),
            _ => throw new RejectionException(Rejection.SecureAggregationRefused, "the submission carries no message (keys, shared_keys or unmask; a masked input goes through SubmitMaskedInput)"),
        };
        return Task.FromResult(new SecureAggregationReceipt { Duplicate = outcome.Duplicate });
    }

    /// <inheritdoc />
    public override async Task<SecureAggregationReceipt> SubmitMaskedInput(IAsyncStreamReader<MaskedInputChunk> requestStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        var node = context.GetNodeId();
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false) || requestStream.Current.PayloadCase != MaskedInputChunk.PayloadOneofCase.Header)
        {
            throw new RejectionException(Rejection.MalformedUpload, "a masked input must start with its header");
        }

        // Admitted from the header (run, round, selection, phase, party, length) before anything is allocated for the values.
        var header = requestStream.Current.Header;
        var party = header.Party <= int.MaxValue ? (int)header.Party : -1;
        var (length, duplicate) = _engine.AdmitMaskedInput(node, node, header.RunId, header.Round, party);
        if (header.TotalLength != length)
        {
            throw new RejectionException(Rejection.SecureAggregationRefused, $"round {header.Round}'s masked inputs have {length} values, not {header.TotalLength}");
        }

        var limit = TimeSpan.FromSeconds(_options.MaxUploadSeconds);
        using var timeout = new CancellationTokenSource(limit, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, timeout.Token);
        UploadSlot? slot = null;
        try
        {
            // A retry of an input that arrived keeps nothing: its values are read within the same limits and dropped.
            slot = duplicate ? null : await _slots.AcquireAsync(linked.Token).ConfigureAwait(false);
            var values = duplicate ? null : new uint[length];
            slot?.Report(length);
            var filled = 0;
            var chunks = 0;
            while (await requestStream.MoveNext(linked.Token).ConfigureAwait(false))
            {
                var chunk = requestStream.Current;
                if (chunk.PayloadCase != MaskedInputChunk.PayloadOneofCase.Values)
                {
                    throw new RejectionException(Rejection.MalformedUpload, "a masked input has exactly one header, first");
                }

                if (++chunks > _options.MaxUploadChunks)
                {
                    throw RejectionStatus.Create(StatusCode.ResourceExhausted, RejectionStatus.TooLarge, $"an upload may have at most {_options.MaxUploadChunks} chunks");
                }

                var count = chunk.Values.Values.Count;
                if (count > length - filled)
                {
                    throw new RejectionException(Rejection.SecureAggregationRefused, $"the masked input carries more than its {length} values");
                }

                if (values is not null)
                {
                    chunk.Values.Values.CopyTo(values, filled);
                }

                filled += count;
            }

            if (values is null)
            {
                return new SecureAggregationReceipt { Duplicate = true };
            }

            if (filled != length)
            {
                throw new RejectionException(Rejection.SecureAggregationRefused, $"the masked input carries {filled} of its {length} values");
            }

            var outcome = _engine.SubmitMaskedInput(node, node, header.RunId, header.Round, new(party, values));
            return new SecureAggregationReceipt { Duplicate = outcome.Duplicate };
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw RejectionStatus.Create(StatusCode.ResourceExhausted, RejectionStatus.TooLarge, $"an upload may take at most {limit.TotalSeconds} s");
        }
        finally
        {
            slot?.Dispose();
        }
    }

    /// <inheritdoc />
    public override async Task<SecureAggregationPhase> WaitForSecureAggregationPhase(WaitForSecureAggregationPhaseRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var wait = TimeSpan.FromMilliseconds(Math.Clamp(request.MaxWaitMs, 0, (long)(_options.MaxWaitSeconds * 1000)));
        var next = await _engine.WaitForSecureAggregationAsync(context.GetNodeId(), request.RunId, request.Round, wait, context.CancellationToken).ConfigureAwait(false);
        return next.ToProto();
    }

    private static int Party(SecureAggregationSubmission request) => request.Party <= int.MaxValue ? (int)request.Party : -1;
}
