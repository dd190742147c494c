using System.Net;
using Federated.Coordinator.Rounds;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Tests.Dashboard;

/// <summary>Who may see and do what on the dashboard, over real HTTP/1.1 on loopback.</summary>
public sealed class DashboardAccessTests
{
    [Fact]
    public async Task Page_WithoutSession_RedirectsToSignInWithTheLocalReturnPath()
    {
        await using var federation = await DashboardFederation.StartAsync();
        using var session = new DashboardSession(federation.Dashboard);

        foreach (var path in new[] { "/", "/nodes", "/runs/" + federation.RunId, "/runs/" + federation.RunId + "/events", "/runs/" + federation.RunId + "/pause" })
        {
            var response = await session.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/signin", response.Headers.Location!.AbsolutePath);
            Assert.Contains("returnUrl=" + Uri.EscapeDataString(path), response.Headers.Location.Query, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SignIn_WrongToken_RefusedWithoutSession()
    {
        await using var federation = await DashboardFederation.StartAsync();
        using var session = new DashboardSession(federation.Dashboard);

        var response = await session.SignInAsync("not-a-token-of-this-coordinator");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("sign-in-error", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await session.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task SignIn_AdminToken_SessionCookieIsHttpOnlyAndStrict()
    {
        await using var federation = await DashboardFederation.StartAsync();
        using var session = new DashboardSession(federation.Dashboard);

        var response = await session.SignInAsync(CoordinatorTestHost.AdminToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("federated-dashboard=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/runs/" + federation.RunId)).StatusCode);
    }

    [Fact]
    public async Task SignOut_WithTheLayoutsForm_EndsTheSession()
    {
        await using var federation = await DashboardFederation.StartAsync();
        using var session = new DashboardSession(federation.Dashboard);
        await session.SignInAsync(CoordinatorTestHost.AdminToken);

        var response = await session.PostFormAsync("/signout", new Dictionary<string, string>(), formPage: "/");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await session.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Action_Viewer_ForbiddenAndRunUnchanged()
    {
        await using var federation = await DashboardFederation.StartAsync();
        using var session = new DashboardSession(federation.Dashboard);
        Assert.Equal(HttpStatusCode.Redirect, (await session.SignInAsync(DashboardFederation.ViewerToken)).StatusCode);
        var run = "/runs/" + federation.RunId;

        var page = await (await session.GetAsync(run)).Content.ReadAsStringAsync();
        var confirm = await session.GetAsync(run + "/pause");
        var post = await session.PostFormAsync(run + "/pause", new Dictionary<string, string>(), formPage: run);
        var revoke = await session.PostFormAsync("/nodes/revoke", new Dictionary<string, string> { ["node"] = "n1" }, formPage: run);

        Assert.DoesNotContain("action-pause", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, confirm.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, revoke.StatusCode);
        Assert.Equal(RunStatus.Running, federation.Coordinator.Services.GetRequiredService<RoundEngine>().GetRun(federation.RunId).Status);
    }

    [Fact]
    public async Task Action_PostWithoutAntiforgeryToken_RefusedAndRunUnchanged()
    {
        await using var federation = await DashboardFederation.StartAsync();
        using var session = new DashboardSession(federation.Dashboard);
        await session.SignInAsync(CoordinatorTestHost.AdminToken);

        var response = await session.PostFormAsync("/runs/" + federation.RunId + "/stop", new Dictionary<string, string>(), formPage: null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(RunStatus.Running, federation.Coordinator.Services.GetRequiredService<RoundEngine>().GetRun(federation.RunId).Status);
    }

    [Fact]
    public async Task IssueAndRevoke_Operator_TokenShownOnceInBodyAndNodeRevoked()
    {
        await using var federation = await DashboardFederation.StartAsync();
        using var session = new DashboardSession(federation.Dashboard);
        await session.SignInAsync(CoordinatorTestHost.AdminToken);

        var issued = await session.PostFormAsync("/nodes/issue", new Dictionary<string, string> { ["node"] = "n4" }, formPage: "/nodes/issue?node=n4");
        var body = await issued.Content.ReadAsStringAsync();
        var revoked = await session.PostFormAsync("/nodes/revoke", new Dictionary<string, string> { ["node"] = "n1" }, formPage: "/nodes/revoke?node=n1");

        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        Assert.Matches("id=\"issued-token\">fnt_[A-Za-z0-9_-]{43}<", body);
        Assert.Equal(HttpStatusCode.Redirect, revoked.StatusCode);
        var nodes = federation.Coordinator.Services.GetRequiredService<Nodes.NodeDirectory>();
        Assert.NotNull(nodes.Find("n4"));
        Assert.True(nodes.Find("n1")!.Revoked);
    }

    [Fact]
    public async Task RunPage_NamesWithMarkup_Encoded()
    {
        var config = TestSpecs.RunConfig().Replace("\"name\": \"test\"", "\"name\": \"<script>alert('x')</script>\"", StringComparison.Ordinal);
        await using var federation = await DashboardFederation.StartAsync(runConfig: config);
        using var session = new DashboardSession(federation.Dashboard);
        await session.SignInAsync(CoordinatorTestHost.AdminToken);

        var overview = await (await session.GetAsync("/")).Content.ReadAsStringAsync();
        var run = await (await session.GetAsync("/runs/" + federation.RunId)).Content.ReadAsStringAsync();

        Assert.DoesNotContain("<script>alert", overview + run, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;", overview, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", run, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:5080", "Dashboard:Url")]
    [InlineData("http://example.org:5080", "Dashboard:Url")]
    [InlineData("http://127.0.0.1:5080/dashboard", "Dashboard:Url")]
    [InlineData("https://127.0.0.1:5443", "Dashboard:CertificatePath")]
    public async Task Start_BadDashboardUrl_FailsNamingTheKey(string url, string key)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => LoopbackCoordinator.StartAsync(new Dictionary<string, string?> { ["Dashboard:Url"] = url }));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }
}
