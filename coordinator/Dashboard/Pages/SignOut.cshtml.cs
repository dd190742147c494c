using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Federated.Coordinator.Dashboard.Pages;

/// <summary>Ends the session (POST only, with the anti-forgery token of the page's form).</summary>
[AllowAnonymous]
public sealed class SignOutModel : PageModel
{
    /// <summary>Ends the session and shows the sign-in page.</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
        return LocalRedirect("/signin");
    }
}
