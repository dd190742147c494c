using System.CommandLine;
using System.Globalization;
using Federated.Coordinator.Cli;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Federated.Coordinator.Tests;

/// <summary>
/// What an operator can get wrong with <c>admin</c>, and the README's admin exit-code table: each failure is one line
/// naming the problem (no type names, "(Parameter …)" or stack traces) and its documented exit code.
/// </summary>
public sealed class AdminErrorTests
{
    [Fact]
    public async Task RunAsync_MissingRequiredOption_OneLineAndExitCodeTwo()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (code, output, error) = await AdminCommandTests.AdminAsync(host, "versions");

            Assert.Equal(2, code);
            Assert.Equal("", output);
            var line = Assert.Single(AdminCommandTests.Lines(error));
            Assert.StartsWith("error: ", line, StringComparison.Ordinal);
            Assert.Contains("--run", line, StringComparison.Ordinal);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task StartRun_ConfigFileMissing_NamesTheFileAndExitCodeTwo()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var path = Path.Combine(Path.GetTempPath(), $"no-such-config-{Guid.NewGuid():N}.json");

            var (code, _, error) = await AdminCommandTests.AdminAsync(host, "start-run", "--config", path);

            Assert.Equal(2, code);
            Assert.Equal([$"error: run config file '{path}' does not exist"], AdminCommandTests.Lines(error));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task StartRun_ConfigFileNotJson_NamesLineAndExitCodeTwo()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        var path = Path.Combine(Path.GetTempPath(), $"bad-config-{Guid.NewGuid():N}.json");
        try
        {
            await File.WriteAllTextAsync(path, "{\n  \"name\": \"x\",\n  rounds: 3\n}");

            var (code, _, error) = await AdminCommandTests.AdminAsync(host, "start-run", "--config", path);

            Assert.Equal(2, code);
            Assert.Equal([$"error: run config file '{path}' is not JSON at line 3, column 3"], AdminCommandTests.Lines(error));
        }
        finally
        {
            File.Delete(path);
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task StartRun_UnknownConfigKey_CoordinatorNamesTheKeyAndExitCodeFour()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        var path = Path.Combine(Path.GetTempPath(), $"unknown-key-{Guid.NewGuid():N}.json");
        try
        {
            await File.WriteAllTextAsync(path, TestSpecs.RunConfig().Replace("\"rounds\"", "\"roundz\"", StringComparison.Ordinal));

            var (code, _, error) = await AdminCommandTests.AdminAsync(host, "start-run", "--config", path);

            Assert.Equal(4, code);
            var line = Assert.Single(AdminCommandTests.Lines(error));
            Assert.Contains("roundz", line, StringComparison.Ordinal);
            Assert.Contains("is not a key of the run config", line, StringComparison.Ordinal);
            Assert.DoesNotContain(".NET", line, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Theory]
    [InlineData("revoke", "--node", "nobody", "error: no node 'nobody' is enrolled (NotFound)")]
    [InlineData("issue-token", "--node", "bad id!", "error: node id 'bad id!' must be 1–128 characters of letters, digits, '-', '_' or '.' (InvalidArgument)")]
    [InlineData("pause", "--run", "run-9", "error: [unknown-run] no run 'run-9' (NotFound)")]
    public async Task RunAsync_UnknownOrInvalidTarget_OneLineAndExitCodeFour(string verb, string option, string value, string expected)
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (code, output, error) = await AdminCommandTests.AdminAsync(host, verb, option, value);

            Assert.Equal(4, code);
            Assert.Equal("", output);
            Assert.Equal([expected], AdminCommandTests.Lines(error));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task RunAsync_WrongAdminToken_OneLineAndExitCodeFour()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (code, _, error) = await RunAgainstAsync(host, "wrong-token", "status");

            Assert.Equal(4, code);
            Assert.Equal([$"error: the coordinator at {Url(host)} refused the admin token: wrong admin token"], AdminCommandTests.Lines(error));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Theory]
    [InlineData(9, "error: run '{0}' has no model version 9 (latest: 1)")]
    [InlineData(1, "error: [version-not-stored] run '{0}' has no model version 1 any more (latest: 3)")]
    public async Task Export_VersionThatDoesNotExist_OperatorMessageNotFoundExitCodeFour(long version, string expected)
    {
        await using var host = await OperatorVersionTests.StartHostAsync(keepLastVersions: 2);
        var path = Path.Combine(Path.GetTempPath(), $"export-{Guid.NewGuid():N}.fedm");
        try
        {
            var (run, node) = await OperatorVersionTests.StartRunAsync(host);
            await OperatorVersionTests.CommitRoundsAsync(node, run, 1, version == 9 ? 1 : 3);

            var (code, _, error) = await AdminCommandTests.AdminAsync(host, "export", "--run", run, "--version", version.ToString(CultureInfo.InvariantCulture), "--out", path);

            Assert.Equal(4, code);
            var line = Assert.Single(AdminCommandTests.Lines(error));
            Assert.StartsWith(string.Format(CultureInfo.InvariantCulture, expected, run), line, StringComparison.Ordinal);
            Assert.EndsWith("(NotFound)", line, StringComparison.Ordinal);
            Assert.DoesNotContain("base-version", line, StringComparison.Ordinal);
            Assert.False(File.Exists(path));
        }
        finally
        {
            File.Delete(path);
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Theory]
    [InlineData("directory", "error: --out: '{0}' is a directory; give a file name, e.g. {0}/model.safetensors")]
    [InlineData("missing-folder", "error: --out: the folder '{0}' does not exist")]
    public async Task Export_OutThatCannotBeTheFile_BadUsageNamingThePathNotTheCoordinator(string kind, string expected)
    {
        await using var host = await OperatorVersionTests.StartHostAsync(keepLastVersions: 2);
        var folder = Directory.CreateTempSubdirectory("export-target-").FullName;
        try
        {
            var (run, _) = await OperatorVersionTests.StartRunAsync(host);
            var (target, named) = kind == "directory" ? (folder, folder) : (Path.Combine(folder, "gone", "model.safetensors"), Path.Combine(folder, "gone"));

            var (code, _, error) = await AdminCommandTests.AdminAsync(host, "export", "--run", run, "--version", "0", "--out", target);

            Assert.Equal(2, code);
            Assert.Equal([string.Format(CultureInfo.InvariantCulture, expected, named)], AdminCommandTests.Lines(error));
            Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task RunAsync_NothingListening_CannotReachOneLineExitCodeFive()
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var url = $"http://127.0.0.1:{FreePort()}";

        var code = await AdminCommand.RunAsync(["runs", "--coordinator", url, "--admin-token", "t"], new InvocationConfiguration { Output = output, Error = error }, httpHandler: null);

        Assert.Equal(5, code);
        Assert.Equal([$"error: cannot reach the coordinator at {url}: connection refused (is the coordinator running on that port?)"], AdminCommandTests.Lines(error.ToString()));
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://example.org")]
    public async Task RunAsync_BadCoordinatorUrl_OneLineExitCodeTwo(string url)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);

        var code = await AdminCommand.RunAsync(["runs", "--coordinator", url, "--admin-token", "t"], new InvocationConfiguration { Output = output, Error = error }, httpHandler: null);

        Assert.Equal(2, code);
        Assert.Equal([$"error: '{url}' is not a coordinator URL: give http://HOST:PORT or https://HOST:PORT (--coordinator or FEDERATED_COORDINATOR)"], AdminCommandTests.Lines(error.ToString()));
    }

    private static string Url(CoordinatorTestHost host) =>
        ((Microsoft.AspNetCore.TestHost.TestServer)Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>(host.Services)).BaseAddress.ToString();

    private static async Task<(int Code, string Output, string Error)> RunAgainstAsync(CoordinatorTestHost host, string token, params string[] args)
    {
        var server = (Microsoft.AspNetCore.TestHost.TestServer)Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>(host.Services);
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var code = await AdminCommand.RunAsync([.. args, "--coordinator", server.BaseAddress.ToString(), "--admin-token", token], new InvocationConfiguration { Output = output, Error = error }, server.CreateHandler());
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>A loopback port nothing listens on (bound, read, released).</summary>
    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
    [Fact]
    public async Task RunAsync_StoppedByCtrlC_OneLineAndExitCode130()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var server = (TestServer)host.Services.GetRequiredService<IServer>();
            using var output = new StringWriter(CultureInfo.InvariantCulture);
            using var error = new StringWriter(CultureInfo.InvariantCulture);
            using var ctrlC = new CancellationTokenSource();
            await ctrlC.CancelAsync();

            var code = await AdminCommand.RunAsync(
                ["runs", "--coordinator", server.BaseAddress.ToString(), "--admin-token", CoordinatorTestHost.AdminToken],
                new InvocationConfiguration { Output = output, Error = error },
                server.CreateHandler(),
                cancellationToken: ctrlC.Token);

            Assert.Equal(130, code);
            Assert.Equal(["error: stopped"], AdminCommandTests.Lines(error.ToString()));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("runs", "--help")]
    public async Task Help_AdminTokenInTheEnvironment_NeverPrinted(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);

        var code = await AdminCommand.RunAsync(args, new InvocationConfiguration { Output = output, Error = error }, httpHandler: null, AdminTokenEnvironment("fat_do-not-print-me"));

        Assert.Equal(0, code);
        Assert.Contains("--admin-token", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("do-not-print-me", output.ToString() + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_AdminTokenOnlyInTheEnvironment_UsedForTheCall()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var server = (TestServer)host.Services.GetRequiredService<IServer>();
            using var output = new StringWriter(CultureInfo.InvariantCulture);
            using var error = new StringWriter(CultureInfo.InvariantCulture);

            var code = await AdminCommand.RunAsync(
                ["runs", "--coordinator", server.BaseAddress.ToString()], new InvocationConfiguration { Output = output, Error = error }, server.CreateHandler(), AdminTokenEnvironment(CoordinatorTestHost.AdminToken));

            Assert.Equal(0, code);
            Assert.Equal("", error.ToString());
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    private static Func<string, string?> AdminTokenEnvironment(string adminToken) => name => name == "FEDERATED_ADMIN_TOKEN" ? adminToken : null;
}
