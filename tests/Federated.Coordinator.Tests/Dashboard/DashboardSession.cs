using System.Net;
using System.Text.RegularExpressions;

namespace Federated.Coordinator.Tests.Dashboard;

/// <summary>A browser-like HTTP client of the dashboard without a browser: cookies kept, redirects not followed, forms posted with their anti-forgery token.</summary>
internal sealed partial class DashboardSession : IDisposable
{
    private readonly HttpClient _client;

    public DashboardSession(Uri dashboard, Func<HttpRequestMessage, System.Security.Cryptography.X509Certificates.X509Certificate2?, System.Security.Cryptography.X509Certificates.X509Chain?, System.Net.Security.SslPolicyErrors, bool>? trust = null)
    {
        Cookies = new CookieContainer();
        var handler = new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false };
        if (trust is not null)
        {
            handler.ServerCertificateCustomValidationCallback = trust;
        }

        _client = new HttpClient(handler) { BaseAddress = dashboard };
    }

    public CookieContainer Cookies { get; }

    public Task<HttpResponseMessage> GetAsync(string path) => _client.GetAsync(new Uri(path, UriKind.Relative));

    /// <summary>Posts a form to <paramref name="path"/> with the anti-forgery token read from the page at <paramref name="formPage"/> (none when null).</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string path, IReadOnlyDictionary<string, string> fields, string? formPage)
    {
        var form = new Dictionary<string, string>(fields);
        if (formPage is not null)
        {
            var page = await (await GetAsync(formPage)).Content.ReadAsStringAsync();
            form["__RequestVerificationToken"] = AntiforgeryField().Match(page) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("no anti-forgery token on " + formPage);
        }

        return await _client.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent(form));
    }

    /// <summary>Signs in with <paramref name="token"/>; the response (a redirect when it worked).</summary>
    public Task<HttpResponseMessage> SignInAsync(string token) =>
        PostFormAsync("/signin", new Dictionary<string, string> { ["Token"] = token }, "/signin");

    public void Dispose() => _client.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
