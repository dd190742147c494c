using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Federated.Client.Training;
using Federated.Protos;
using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Client.Federation;

/// <summary>
/// Bulk uploads (federation.proto, <c>BeginBulkUpload</c>): the header and tensor list over gRPC for a ticket, then the
/// values straight from the update's arrays over one TCP (or TLS) connection to the coordinator's bulk port, and its
/// answer back. Used when <see cref="GrpcConnectionOptions.BulkUploads"/> is on and the coordinator has a bulk port.
/// </summary>
public sealed partial class GrpcCoordinatorConnection
{
    private volatile bool _bulkUnavailable;

    /// <summary>
    /// Sends <paramref name="update"/> through the bulk port; null when this coordinator has none (or would downgrade an
    /// <c>https://</c> node to plaintext), so the caller sends it with <c>SubmitUpdate</c>. Failures are the same
    /// exceptions as <c>SubmitUpdate</c>'s: a refusal <see cref="UpdateRejectedException"/>, a broken or refused
    /// connection <see cref="CoordinatorUnavailableException"/> (retry with the same upload id).
    /// </summary>
    private async Task<SubmitResult?> TryBulkUploadAsync(UpdateHeader header, LocalUpdate update, CancellationToken cancellationToken)
    {
        if (!_options.BulkUploads || _bulkUnavailable || !BitConverter.IsLittleEndian)
        {
            return null;
        }

        var what = $"upload round {update.Round}";
        var request = new BeginBulkUploadRequest { Header = header };
        foreach (var delta in update.Delta.Tensors)
        {
            var tensor = new BulkTensor { Name = delta.Name, Sparse = delta.Rows is not null };
            if (delta.Rows is not null)
            {
                tensor.RowIds.AddRange(delta.Rows);
            }

            request.Tensors.Add(tensor);
        }

        BeginBulkUploadReply reply;
        try
        {
            reply = await CallAsync(what, async () => await _client.BeginBulkUploadAsync(request, _headers, Deadline(_options.CallTimeout), cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (UpdateRejectedException e) when (e.Reason is "bulk-upload-off" or "unimplemented")
        {
            // No bulk port here (or a coordinator older than bulk uploads): SubmitUpdate from now on.
            _bulkUnavailable = true;
            return null;
        }

        if (reply.AlreadyAccepted is { } counted)
        {
            return new SubmitResult(counted.Accepted, counted.Duplicate);
        }

        var ticket = reply.Ticket ?? throw new UpdateRejectedException("malformed-reply", $"{what}: the coordinator answered BeginBulkUpload without a ticket");
        if (_address.Scheme == Uri.UriSchemeHttps && !ticket.Tls)
        {
            // Never send in clear what the node's own address says must be encrypted.
            _bulkUnavailable = true;
            return null;
        }

        return await SendBulkAsync(ticket, update, what, cancellationToken).ConfigureAwait(false);
    }

    private async Task<SubmitResult> SendBulkAsync(BulkUploadTicket ticket, LocalUpdate update, string what, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.TransferTimeout);
        BulkUploadResult result;
        try
        {
            using var client = new TcpClient { NoDelay = true };
            await client.ConnectAsync(_address.Host, ticket.Port, timeout.Token).ConfigureAwait(false);
            Stream stream = client.GetStream();
            if (ticket.Tls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false, _options.BulkCertificateValidation);
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = _address.Host }, timeout.Token).ConfigureAwait(false);
                stream = tls;
            }

            await using (stream.ConfigureAwait(false))
            {
                var preamble = new byte[BulkUploadWire.PreambleBytes];
                BulkUploadWire.WritePreamble(ticket.Ticket.Span, preamble);
                await stream.WriteAsync(preamble, timeout.Token).ConfigureAwait(false);
                foreach (var delta in update.Delta.Tensors)
                {
                    await stream.WriteAsync(BulkUploadWire.AsBytes(delta.Values, 0, delta.Values.Length), timeout.Token).ConfigureAwait(false);
                }

                await stream.FlushAsync(timeout.Token).ConfigureAwait(false);
                result = await BulkUploadWire.ReadResultAsync(stream, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is SocketException or IOException or AuthenticationException or InvalidDataException or OperationCanceledException)
        {
            throw new CoordinatorUnavailableException($"{what}: the bulk connection to {_address.Host}:{ticket.Port} failed ({e.Message})", e);
        }

        if (result.Refused is { } refused)
        {
            var reason = BulkUploadWire.NameOf(refused.Reason);
            // A ticket that expired before the connection got through (a slow network) is worth a new one: the caller retries.
            if (refused.Reason == RejectionReason.BulkTicketRefused
                || (refused.Reason == RejectionReason.Unspecified && (StatusCode)refused.StatusCode is StatusCode.Unavailable or StatusCode.Internal))
            {
                throw new CoordinatorUnavailableException($"{what}: the coordinator could not take the bulk upload: {refused.Message}");
            }

            if (refused.Reason == RejectionReason.NodeRevoked)
            {
                throw new UpdateRejectedException(UpdateRejectedException.NodeRevoked, "the operator revoked this node's token; ask the operator for a new token");
            }

            throw new UpdateRejectedException(reason, $"{what}: the coordinator refused it: {refused.Message}");
        }

        var accepted = result.Accepted ?? throw new CoordinatorUnavailableException($"{what}: the bulk answer holds no outcome");
        return new SubmitResult(accepted.Accepted, accepted.Duplicate);
    }
}
