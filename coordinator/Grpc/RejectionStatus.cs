using System.Text.Json;
using Federated.Coordinator.Rounds;
using Grpc.Core;

namespace Federated.Coordinator.Grpc;

/// <summary>
/// Maps a <see cref="Rejection"/> to its gRPC status. The code groups reasons (e.g. InvalidArgument for malformed
/// tensors); the reason itself is always in the message prefix <c>[reason]</c> and in the <c>federated-rejection</c>
/// trailer, in kebab case (e.g. <c>norm-too-large</c>), so a client can tell every reason apart.
/// </summary>
public static class RejectionStatus
{
    /// <summary>The trailer carrying the reason.</summary>
    public const string TrailerKey = "federated-rejection";

    /// <summary>
    /// Longest status message, in characters: a longer engine message (which may quote a request value) is cut and
    /// ends with "…", so nothing a node sends is echoed without bound.
    /// </summary>
    public const int MaxDetailChars = 512;

    /// <summary>Reason refused at the edge, before the engine: a request string is longer than its limit (InvalidArgument).</summary>
    public const string FieldTooLong = "field-too-long";

    /// <summary>Reason refused at the edge: a message is not valid protobuf or its frame is malformed (InvalidArgument).</summary>
    public const string MalformedMessage = "malformed-message";

    /// <summary>Reason refused at the edge: an upload exceeds its chunk, byte or time limit, or a frame its size limit (ResourceExhausted).</summary>
    public const string TooLarge = "too-large";

    /// <summary>Reason refused at the edge: BeginBulkUpload while the coordinator has no bulk listener (FailedPrecondition).</summary>
    public const string BulkUploadOff = "bulk-upload-off";

    /// <summary>Reason refused on a bulk connection: a wrong preamble, or a ticket unknown, used or expired (Unauthenticated).</summary>
    public const string BulkTicketRefused = "bulk-ticket-refused";

    /// <summary>The status code of a reason.</summary>
    public static StatusCode CodeOf(Rejection reason) => reason switch
    {
        Rejection.UnknownNode => StatusCode.Unauthenticated,
        Rejection.NodeRevoked => StatusCode.PermissionDenied,
        Rejection.NodeMismatch => StatusCode.PermissionDenied,
        Rejection.NotSelected => StatusCode.PermissionDenied,
        Rejection.UnknownRun => StatusCode.NotFound,
        Rejection.RunNotActive => StatusCode.FailedPrecondition,
        Rejection.StaleRound => StatusCode.FailedPrecondition,
        Rejection.NotJoined => StatusCode.FailedPrecondition,
        Rejection.StaleBaseVersion => StatusCode.Aborted,
        Rejection.FutureRound => StatusCode.OutOfRange,
        Rejection.FutureBaseVersion => StatusCode.OutOfRange,
        Rejection.RowOutOfRange => StatusCode.OutOfRange,
        Rejection.AlreadySubmitted => StatusCode.AlreadyExists,
        Rejection.NormTooLarge => StatusCode.InvalidArgument,
        Rejection.NonFinite => StatusCode.InvalidArgument,
        Rejection.MissingTensor => StatusCode.InvalidArgument,
        Rejection.UnexpectedTensor => StatusCode.InvalidArgument,
        Rejection.WrongShape => StatusCode.InvalidArgument,
        Rejection.InvalidExampleCount => StatusCode.InvalidArgument,
        Rejection.InvalidMetrics => StatusCode.InvalidArgument,
        Rejection.MalformedUpload => StatusCode.InvalidArgument,
        Rejection.VersionNotStored => StatusCode.NotFound,
        Rejection.SecureAggregationMismatch => StatusCode.FailedPrecondition,
        Rejection.SecureAggregationRefused => StatusCode.InvalidArgument,
        Rejection.LabelStatisticsMismatch => StatusCode.FailedPrecondition,
        Rejection.InvalidLabelStatistics => StatusCode.InvalidArgument,
        _ => StatusCode.Internal,
    };

    /// <summary>The kebab-case name of a reason, as in the trailer.</summary>
    public static string NameOf(Rejection reason) => JsonNamingPolicy.KebabCaseLower.ConvertName(reason.ToString());

    /// <summary>The <see cref="RpcException"/> for a rejection.</summary>
    public static RpcException ToRpcException(RejectionException rejection)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        return Create(CodeOf(rejection.Reason), NameOf(rejection.Reason), rejection.Message);
    }

    /// <summary>The <see cref="RpcException"/> for a refusal: message <c>[reason] detail</c>, cut to <see cref="MaxDetailChars"/>, and the reason trailer.</summary>
    public static RpcException Create(StatusCode code, string reason, string detail)
    {
        ArgumentNullException.ThrowIfNull(reason);
        ArgumentNullException.ThrowIfNull(detail);
        return new RpcException(new Status(code, Cut($"[{reason}] {detail}")), new Metadata { { TrailerKey, reason } });
    }

    /// <summary><paramref name="message"/> cut to <see cref="MaxDetailChars"/> characters (the last one "…" when cut).</summary>
    public static string Cut(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Length <= MaxDetailChars ? message : string.Concat(message.AsSpan(0, MaxDetailChars - 1), "…");
    }
}
