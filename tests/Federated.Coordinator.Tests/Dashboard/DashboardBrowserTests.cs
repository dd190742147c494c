using Federated.Coordinator.Rounds;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Federated.Coordinator.Tests.Dashboard;

/// <summary>
/// The dashboard in a real browser: Debian's Chromium, headless, driven by Selenium through Debian's chromedriver
/// (<c>apt-get install chromium chromium-driver</c>; <c>.ci/run</c> installs them when missing).
/// </summary>
public sealed class DashboardBrowserTests
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private const string DriverDirectory = "/usr/bin";
    private const string DriverName = "chromedriver";

    /// <summary>Where the run page's screenshot goes: <c>FEDERATED_DASHBOARD_SCREENSHOT</c> (the README's is docs/dashboard-run.png), else a temporary file.</summary>
    private static string ScreenshotPath =>
        Environment.GetEnvironmentVariable("FEDERATED_DASHBOARD_SCREENSHOT") is { Length: > 0 } path
            ? Path.GetFullPath(path)
            : Path.Combine(Path.GetTempPath(), "federated-tests", "dashboard-run.png");

    [Fact]
    public async Task Dashboard_ThreeRoundsInChromium_ShowsCurvesLiveRoundsAndNodesAndPausesTheRun()
    {
        Assert.True(File.Exists(ChromiumPath) && File.Exists(Path.Combine(DriverDirectory, DriverName)), "install Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)");
        await using var federation = await DashboardFederation.StartAsync();
        await federation.RunRoundAsync();
        await federation.RunRoundAsync();
        using var browser = StartChromium();
        var wait = new WebDriverWait(browser, TimeSpan.FromSeconds(15));

        // The live part is replaced while the test reads it: an element read just before is then stale; read again.
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException));
        var runPage = new Uri(federation.Dashboard, "/runs/" + federation.RunId);

        // Without a session the run page sends the browser to sign in, and no token travels in any URL.
        browser.Navigate().GoToUrl(runPage);
        Assert.Equal("/signin", new Uri(browser.Url).AbsolutePath);
        browser.FindElement(By.Id("Token")).SendKeys(CoordinatorTestHost.AdminToken);
        browser.FindElement(By.Id("sign-in")).Click();
        wait.Until(d => new Uri(d.Url).AbsolutePath == runPage.AbsolutePath);
        Assert.DoesNotContain(CoordinatorTestHost.AdminToken, browser.Url, StringComparison.Ordinal);
        var session = browser.Manage().Cookies.GetCookieNamed("federated-dashboard");
        Assert.NotNull(session);
        Assert.True(session.IsHttpOnly);
        Assert.Equal("Strict", session.SameSite);

        // The third round, run while the page is open, appears without a reload (server-sent events, then a fragment).
        // (The engine opens the next round as soon as one commits: round 3 is listed, open, before its updates.)
        wait.Until(d => StateOfRound(d, 3) == "open");
        await federation.RunRoundAsync();
        wait.Until(d => StateOfRound(d, 3) == "committed" && d.FindElement(By.Id("live")).GetAttribute("data-refreshes") is { Length: > 0 });
        wait.Until(d => StateOfRound(d, 1) == "committed" && StateOfRound(d, 4) == "open");

        // Learning curves: ScottPlot's SVGs, loaded and drawn, for both tasks.
        wait.Until(d => (bool)((IJavaScriptExecutor)d).ExecuteScript(
            "const charts = [...document.querySelectorAll('img.learning-curve')];" +
            "return charts.length >= 4 && charts.every(c => c.complete && c.naturalWidth > 0);")!);
        var charts = browser.FindElements(By.CssSelector("img.learning-curve")).Select(c => c.GetAttribute("alt")).ToList();
        Assert.Contains("click: auc by round", charts);
        Assert.Contains("rating: rmse by round", charts);
        Directory.CreateDirectory(Path.GetDirectoryName(ScreenshotPath)!);
        ((ITakesScreenshot)browser).GetScreenshot().SaveAsFile(ScreenshotPath);
        Assert.True(new FileInfo(ScreenshotPath).Length > 10_000);

        // The nodes: connected, each in three committed rounds.
        browser.Navigate().GoToUrl(new Uri(federation.Dashboard, "/nodes"));
        var rows = browser.FindElements(By.CssSelector("#nodes tr")).Skip(1).Select(r => r.FindElements(By.TagName("td")).Select(c => c.Text).ToList()).ToList();
        Assert.Equal(["n1", "n2", "n3"], rows.Select(r => r[0]));
        Assert.All(rows, r => Assert.Equal("connected", r[1]));
        Assert.All(rows, r => Assert.Equal("3", r[5]));

        // Pausing through the page, with its confirmation, pauses the engine's run.
        browser.Navigate().GoToUrl(runPage);
        browser.FindElement(By.Id("action-pause")).Click();
        wait.Until(d => new Uri(d.Url).AbsolutePath.EndsWith("/pause", StringComparison.Ordinal));
        browser.FindElement(By.Id("confirm")).Click();
        wait.Until(d => new Uri(d.Url).AbsolutePath == runPage.AbsolutePath);
        Assert.Equal("paused", browser.FindElement(By.Id("run-status")).Text);
        Assert.Equal(RunStatus.Paused, federation.Coordinator.Services.GetRequiredService<RoundEngine>().GetRun(federation.RunId).Status);
    }

    /// <summary>The state column of a round's row in the run page's timeline, or null while it is not listed.</summary>
    private static string? StateOfRound(IWebDriver page, long round) =>
        page.FindElements(By.CssSelector("#rounds tr")).Skip(1)
            .Select(r => r.FindElements(By.TagName("td")).Select(c => c.Text).ToList())
            .FirstOrDefault(cells => cells[0] == round.ToString(System.Globalization.CultureInfo.InvariantCulture))?[1];

    private static ChromeDriver StartChromium()
    {
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };

        // --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1500", "--lang=en-US");
        var service = ChromeDriverService.CreateDefaultService(DriverDirectory, DriverName);
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(30));
    }
}
