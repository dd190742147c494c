namespace Federated.Coordinator.Dashboard;

/// <summary>The dashboard's roles and the policies that require them (cookie sessions; the gRPC APIs use bearer tokens instead).</summary>
public static class DashboardAuthorization
{
    /// <summary>Signed in with the admin token: may look and act.</summary>
    public const string OperatorRole = "operator";

    /// <summary>Signed in with <see cref="DashboardOptions.ViewerToken"/>: may look only.</summary>
    public const string ViewerRole = "viewer";

    /// <summary>Pages, charts and live updates: an operator or a viewer. Every endpoint not marked otherwise requires it.</summary>
    public const string ViewPolicy = "dashboard-view";

    /// <summary>Pausing, resuming and stopping runs, issuing and revoking tokens: the operator only; a viewer gets HTTP 403.</summary>
    public const string ActPolicy = "dashboard-act";

    /// <summary>The rate-limiting policy of the sign-in page.</summary>
    public const string SignInRateLimit = "dashboard-sign-in";
}
