using Federated.Coordinator.Rounds;
using Federated.Coordinator.Security;
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
            SecureAggregationSubmission.MessageOneofCase.MaskedInput =>
                _engine.SubmitMaskedInput(node, node, request.RunId, request.Round, new(Party(request), [.. request.MaskedInput.Values])),
            SecureAggregationSubmission.MessageOneofCase.Unmask =>
                _engine.SubmitUnmaskResponse(node, node, request.RunId, request.Round, SecureAggregationProto.FromProto(request.Unmask, request.Party)),
            _ => throw new RejectionException(Rejection.SecureAggregationRefused, "the submission carries no message (keys, shared_keys, masked_input or unmask)"),
        };
        return Task.FromResult(new SecureAggregationReceipt { Duplicate = outcome.Duplicate });
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
