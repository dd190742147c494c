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
        _ => StatusCode.Internal,
    };

    /// <summary>The kebab-case name of a reason, as in the trailer.</summary>
    public static string NameOf(Rejection reason) => JsonNamingPolicy.KebabCaseLower.ConvertName(reason.ToString());

    /// <summary>The <see cref="RpcException"/> for a rejection.</summary>
    public static RpcException ToRpcException(RejectionException rejection)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        var name = NameOf(rejection.Reason);
        var trailers = new Metadata { { TrailerKey, name } };
        return new RpcException(new Status(CodeOf(rejection.Reason), $"[{name}] {rejection.Message}"), trailers);
    }
}
