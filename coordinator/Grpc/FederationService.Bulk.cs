using Federated.Coordinator.Bulk;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Security;
using Federated.Protos.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Federated.Coordinator.Grpc;

/// <summary>The bulk upload's first step: the header and tensor list checked as an upload's, then a ticket for the bulk port.</summary>
public sealed partial class FederationService
{
    /// <inheritdoc />
    public override Task<BeginBulkUploadReply> BeginBulkUpload(BeginBulkUploadRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var node = context.GetNodeId();
        if (_bulk.Port is not { } port)
        {
            throw RejectionStatus.Create(StatusCode.FailedPrecondition, RejectionStatus.BulkUploadOff, "this coordinator has no bulk upload listener (BulkUpload:Enabled): use SubmitUpdate");
        }

        if (request.Header is null)
        {
            throw new RejectionException(Rejection.MalformedUpload, "BeginBulkUpload needs the update's header");
        }

        // The same checks, in the same order, as SubmitUpdate's header and chunks, before anything is kept for the upload.
        var header = UpdateAssembler.ReadHeader(request.Header);
        if (_engine.AdmitUpload(node, header) is { } counted)
        {
            return Task.FromResult(new BeginBulkUploadReply { AlreadyAccepted = Reply(counted) });
        }

        var layout = _engine.GetLayout(header.RunId);
        var tensors = BulkTensorList.Read(request.Tensors, layout, new UploadBudget(_options, layout).MaxBytes);
        var valueBytes = 4L * tensors.Sum(t => (long)t.Values);
        var (ticket, expires) = _tickets.Issue(new BulkTicket(node, header, tensors, valueBytes, default));
        return Task.FromResult(new BeginBulkUploadReply
        {
            Ticket = new BulkUploadTicket
            {
                Ticket = ByteString.CopyFrom(ticket),
                Port = port,
                Tls = _bulk.Tls,
                ValueBytes = valueBytes,
                ExpiresUnixMs = expires.ToUnixTimeMilliseconds(),
            },
        });
    }
}
