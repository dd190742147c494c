using Federated.Coordinator.Security;

namespace Federated.Coordinator.Dashboard;

/// <summary>Which role a token signs in as: the admin token (the operator API's own) or the viewer token, compared in constant time.</summary>
public sealed class DashboardCredentials
{
    private readonly AdminCredential _admin;
    private readonly AdminCredential? _viewer;

    internal DashboardCredentials(AdminCredential admin, string viewerToken)
    {
        _admin = admin;

        // The same constant-time SHA-256 comparison as the admin token's, for the second token.
        _viewer = viewerToken.Length > 0 ? new AdminCredential(viewerToken) : null;
    }

    /// <summary>The role <paramref name="token"/> signs in as, or null when it is neither token.</summary>
    public string? RoleOf(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        // Both comparisons run whatever the first answers, so the time taken does not say which token was close.
        var admin = _admin.Matches(token);
        var viewer = _viewer?.Matches(token) == true;
        return admin ? DashboardAuthorization.OperatorRole : viewer ? DashboardAuthorization.ViewerRole : null;
    }
}
