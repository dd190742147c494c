using Federated.Coordinator.Security;
using Federated.Protos;
using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Coordinator.Grpc;

/// <summary>The label-statistics RPC: a thin adapter from its message to the engine.</summary>
public sealed partial class FederationService
{
    /// <inheritdoc />
    public override Task<LabelStatisticsReceipt> SubmitLabelStatistics(LabelStatisticsSubmission request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var outcome = _engine.SubmitLabelStatistics(context.GetNodeId(), request.RunId, request.Round, LabelStatisticsProto.FromProto(request));
        return Task.FromResult(new LabelStatisticsReceipt { Accepted = true, Duplicate = outcome.Duplicate, Round = outcome.Round, NodesInRound = outcome.UpdatesInRound });
    }
}
