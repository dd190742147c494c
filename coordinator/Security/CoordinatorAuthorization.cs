namespace Federated.Coordinator.Security;

/// <summary>
/// Names of the coordinator's bearer-token scheme, its two roles and the policies that require them. Every RPC of a
/// service is covered by the policy on the service class (<c>[Authorize(Policy = …)]</c>), so a new RPC is closed by
/// default.
/// </summary>
public static class CoordinatorAuthorization
{
    /// <summary>The authentication scheme reading <c>authorization: Bearer &lt;token&gt;</c>.</summary>
    public const string Scheme = "FederatedBearer";

    /// <summary>The role of a caller holding a node token that is not revoked.</summary>
    public const string NodeRole = "node";

    /// <summary>The role of a caller holding the admin token.</summary>
    public const string OperatorRole = "operator";

    /// <summary>The policy of the node API (<c>Federation</c>): the caller is a node.</summary>
    public const string NodePolicy = "node";

    /// <summary>The policy of the operator API (<c>Operator</c>): the caller is the operator.</summary>
    public const string OperatorPolicy = "operator";
}
