using System.Security.Claims;
using System.Text.Encodings.Web;
using Federated.Coordinator.Grpc;
using Federated.Coordinator.Nodes;
using Grpc.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Security;

/// <summary>
/// Authenticates <c>authorization: Bearer &lt;token&gt;</c>: the admin token (compared in constant time) makes the
/// caller the operator; a node token (looked up by its SHA-256 in the <see cref="NodeDirectory"/>) makes it that node,
/// unless revoked. Refusals are written as gRPC statuses whose message names the problem:
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>no token: Unauthenticated, "missing bearer token: send 'authorization: Bearer &lt;node token&gt;'" (or &lt;admin token&gt;);</item>
/// <item>a token nobody has: Unauthenticated, "unknown node token" on the node API, "wrong admin token" on the operator API;</item>
/// <item>a revoked node token on the node API: PermissionDenied, "the token of node 'X' was revoked";</item>
/// <item>a valid token of the other kind of caller: PermissionDenied.</item>
/// </list>
/// Which API is called is read from the endpoint's <see cref="IAuthorizeData"/> policy.
/// </remarks>
internal sealed class BearerTokenHandler : AuthenticationHandler<AuthenticationSchemeOptions>
{
    private const string RevokedNodeItem = "revoked-node";
    private const string BearerPrefix = "Bearer ";

    private readonly NodeDirectory _nodes;
    private readonly AdminCredential _admin;

    /// <summary>Creates the handler (one per request).</summary>
    public BearerTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, NodeDirectory nodes, AdminCredential admin)
        : base(options, logger, encoder)
    {
        _nodes = nodes;
        _admin = admin;
    }

    /// <inheritdoc />
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = ReadToken(Request.Headers.Authorization);
        if (token is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (_admin.Matches(token))
        {
            return Task.FromResult(Success(CoordinatorAuthorization.OperatorRole, CoordinatorAuthorization.OperatorRole));
        }

        var node = _nodes.Authenticate(token);
        if (node is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("unknown token"));
        }

        if (node.Revoked)
        {
            var properties = new AuthenticationProperties();
            properties.Items[RevokedNodeItem] = node.Id;
            return Task.FromResult(AuthenticateResult.Fail("revoked token", properties));
        }

        return Task.FromResult(Success(node.Id, CoordinatorAuthorization.NodeRole));
    }

    /// <inheritdoc />
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        var operatorCall = IsOperatorCall();
        var caller = operatorCall ? "admin token" : "node token";
        var (code, message, reason) = result switch
        {
            { None: true } => (StatusCode.Unauthenticated, $"missing bearer token: send 'authorization: Bearer <{caller}>'", (string?)null),
            _ when operatorCall => (StatusCode.Unauthenticated, "wrong admin token", null),
            { Properties: { } p } when p.Items.TryGetValue(RevokedNodeItem, out var node) =>
                (StatusCode.PermissionDenied, $"the token of node '{node}' was revoked", Grpc.RejectionStatus.NameOf(Rounds.Rejection.NodeRevoked)),
            _ => (StatusCode.Unauthenticated, "unknown node token", null),
        };
        Refuse(operatorCall, code, message, reason);
    }

    /// <inheritdoc />
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        // Authenticated, but as the other kind of caller.
        var operatorCall = IsOperatorCall();
        var message = operatorCall
            ? $"node '{Context.User.FindFirstValue(ClaimTypes.NameIdentifier)}' may not call the operator API: send the admin token"
            : "the admin token may not call the node API: send a node token";
        Refuse(operatorCall, StatusCode.PermissionDenied, message);
        return Task.CompletedTask;
    }

    private void Refuse(bool operatorCall, StatusCode code, string message, string? reason = null)
    {
        var method = Request.Path.Value ?? "";
        if (operatorCall)
        {
            GrpcLog.AdminAuthenticationFailed(Logger, method, message);
        }
        else
        {
            GrpcLog.NodeAuthenticationFailed(Logger, method, message);
        }

        GrpcStatusResponse.Write(Response, code, message, reason);
    }

    private bool IsOperatorCall() =>
        Context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy == CoordinatorAuthorization.OperatorPolicy) == true;

    private AuthenticateResult Success(string name, string role)
    {
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, name), new Claim(ClaimTypes.Role, role)],
            Scheme.Name,
            ClaimTypes.NameIdentifier,
            ClaimTypes.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    private static string? ReadToken(string? header) =>
        header is not null && header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) && header[BearerPrefix.Length..].Trim() is { Length: > 0 } token
            ? token
            : null;
}
