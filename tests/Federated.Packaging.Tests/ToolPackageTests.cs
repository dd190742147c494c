using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Federated.Packaging.Tests;

/// <summary>
/// The .NET tool packages: packed from the repository into a local feed, installed from it, and run for real — the
/// coordinator serving on loopback and answering its own <c>admin</c> verbs, the node and the simulation their help.
/// </summary>
public sealed partial class ToolPackageTests(InstalledTools tools) : IClassFixture<InstalledTools>
{
    private const string AdminToken = "packaging-test-admin-token-0123";

    /// <summary>Longest wait for the coordinator to listen; a bound against a hang, not a timing.</summary>
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(90);

    [Fact]
    public void Pack_LocalFeed_HoldsOnlyTheThreeToolsEachCarryingTheLibraries()
    {
        var packages = Directory.GetFiles(tools.Feed, "*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal);

        Assert.Equal(InstalledTools.Tools.Select(t => $"{t.Id}.{InstalledTools.Version}.nupkg").Order(StringComparer.Ordinal), packages);
        foreach (var (id, _) in InstalledTools.Tools)
        {
            using var package = ZipFile.OpenRead(Path.Combine(tools.Feed, $"{id}.{InstalledTools.Version}.nupkg"));
            var entries = package.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
            Assert.Contains("README.md", entries);
            Assert.Contains("tools/net10.0/any/DotnetToolSettings.xml", entries);
            Assert.Contains("tools/net10.0/any/Federated.Model.dll", entries);
            Assert.Contains("tools/net10.0/any/Federated.Protos.dll", entries);

            using var nuspec = package.GetEntry($"{id}.nuspec")!.Open();
            var metadata = XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string Field(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;
            Assert.Equal(id, Field("id"));
            Assert.Equal(InstalledTools.Version, Field("version"));
            Assert.False(string.IsNullOrWhiteSpace(Field("description")));
            Assert.Equal("README.md", Field("readme"));
            Assert.Equal("DotnetTool", metadata.Descendants().Single(e => e.Name.LocalName == "packageType").Attribute("name")!.Value);
        }
    }

    [Fact]
    public async Task Coordinator_InstalledTool_ServesItsAdminVerbsAndAShippedRun()
    {
        var directory = Path.Combine(tools.Root, "coordinator-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        using var service = ProcessRunner.Start(tools.Command("federated-coordinator"),
            ["--urls", "http://127.0.0.1:0", "--Coordinator:DatabasePath=" + Path.Combine(directory, "coordinator.db"), "--Dashboard:Url="],
            directory, new Dictionary<string, string> { ["Coordinator__AdminToken"] = AdminToken }, out var log);
        try
        {
            var address = await ListeningAddressAsync(service, log);
            var connection = new[] { "--coordinator", address, "--admin-token", AdminToken };

            var status = await AdminAsync(directory, ["status", .. connection]);
            var init = await AdminAsync(directory, ["init-run", "--movielens", "--out", "movielens.json"]);
            var start = await AdminAsync(directory, ["start-run", "--config", "movielens.json", .. connection]);

            Assert.Equal(0, status.ExitCode);
            Assert.StartsWith($"coordinator {InstalledTools.Version}+", status.Output, StringComparison.Ordinal);
            Assert.Equal(0, init.ExitCode);
            Assert.Equal(
                await File.ReadAllTextAsync(Path.Combine(InstalledTools.RepositoryRoot, "runs", "movielens-100k.json")),
                await File.ReadAllTextAsync(Path.Combine(directory, "movielens.json")));
            Assert.Equal(0, start.ExitCode);
            Assert.Matches(@"^run-1 +running +version 0/20 .*'movielens-100k'", start.Output);

            // The tool's own appsettings.json applies though the working directory has none: no per-request log lines.
            Assert.DoesNotContain("Request finished", ProcessRunner.Text(log), StringComparison.Ordinal);
        }
        finally
        {
            service.Kill(entireProcessTree: true);
            await service.WaitForExitAsync();
        }
    }

    [Theory]
    [InlineData("federated-node", "run")]
    [InlineData("federated-sim", "movielens")]
    public async Task Tool_Installed_HelpExitsZeroListingItsCommands(string id, string command)
    {
        var help = await ProcessRunner.RunAsync(tools.Command(id), ["--help"], tools.Root);

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("Usage:", help.Output, StringComparison.Ordinal);
        Assert.Matches(new Regex($@"^\s+{command}\b", RegexOptions.Multiline), help.Output);
    }

    private Task<ProcessResult> AdminAsync(string directory, string[] arguments) =>
        ProcessRunner.RunAsync(tools.Command("federated-coordinator"), ["admin", .. arguments], directory);

    /// <summary>The address Kestrel logs once it listens (port 0: the system picks a free one).</summary>
    private static async Task<string> ListeningAddressAsync(System.Diagnostics.Process service, System.Text.StringBuilder log)
    {
        using var bound = new CancellationTokenSource(StartBound);
        while (true)
        {
            if (ListeningLine().Match(ProcessRunner.Text(log)) is { Success: true } match)
            {
                return match.Groups[1].Value;
            }

            if (service.HasExited)
            {
                throw new InvalidOperationException($"the coordinator exited {service.ExitCode} before listening:\n{ProcessRunner.Text(log)}");
            }

            // Polls the captured output; the bound only ends a hang.
            await Task.Delay(TimeSpan.FromMilliseconds(100), bound.Token);
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
