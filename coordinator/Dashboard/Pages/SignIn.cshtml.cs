using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Dashboard.Pages;

/// <summary>Signs in with the admin or viewer token (form body only) and starts a cookie session.</summary>
[AllowAnonymous]
[EnableRateLimiting(DashboardAuthorization.SignInRateLimit)]
public sealed class SignInModel : PageModel
{
    private readonly DashboardCredentials _credentials;
    private readonly ILogger<SignInModel> _logger;

    public SignInModel(DashboardCredentials credentials, IOptions<DashboardOptions> options, ILogger<SignInModel> logger)
    {
        _credentials = credentials;
        _logger = logger;
        SessionMinutes = options.Value.SessionMinutes;
    }

    /// <summary>The token typed in.</summary>
    [BindProperty]
    public string? Token { get; set; }

    /// <summary>Where to go after signing in: a local path only.</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>Whether the last attempt was refused.</summary>
    public bool Refused { get; private set; }

    /// <summary>The session's idle lifetime, in minutes.</summary>
    public double SessionMinutes { get; }

    /// <summary>Shows the form.</summary>
    public void OnGet()
    {
    }

    /// <summary>Checks the token; on success starts the session and goes back where the browser came from.</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        var remote = HttpContext.Connection.RemoteIpAddress?.ToString() ?? "?";
        var role = _credentials.RoleOf(Token);
        Token = null;
        if (role is null)
        {
            DashboardLog.SignInRefused(_logger, remote);
            Refused = true;
            return Page();
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, role), new Claim(ClaimTypes.Role, role)], CookieAuthenticationDefaults.AuthenticationScheme);
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity)).ConfigureAwait(false);
        DashboardLog.SignedIn(_logger, role, remote);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
    }
}
