using System.CommandLine;
using System.Globalization;
using Federated.Coordinator.Cli;
using Federated.Coordinator.Runs;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Federated.Coordinator.Tests.ShippedRuns;

/// <summary>
/// The run configs shipped in the repository's <c>runs/</c> folder and <c>admin init-run</c>, which writes them: every
/// config is accepted by the coordinator, and init-run writes the very files of the folder.
/// </summary>
public sealed class ShippedRunConfigTests
{
    private static readonly string Runs = Path.Combine(RepositoryRoot(), "runs");

    /// <summary>Every run config of <c>runs/</c> (the CSV example's schema is a node's file, not a run config).</summary>
    public static TheoryData<string> ShippedConfigs() => new(ShippedFiles());

    private static IEnumerable<string> ShippedFiles() =>
        Directory.GetFiles(Runs, "*.json").Select(f => Path.GetFileName(f)).Where(f => !f.EndsWith(".schema.json", StringComparison.Ordinal)).Order(StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(ShippedConfigs))]
    public void FromJson_ShippedConfig_AcceptedAndRoundTrips(string file)
    {
        var config = RunConfig.FromJson(File.ReadAllText(Path.Combine(Runs, file)));

        Assert.Equal(Path.GetFileNameWithoutExtension(file), config.Name);
        Assert.Equal(config.ToJson(), RunConfig.FromJson(config.ToJson()).ToJson());
    }

    [Theory]
    [MemberData(nameof(ShippedConfigs))]
    public async Task StartRun_ShippedConfig_RunStartsOnTheCoordinator(string file)
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (code, output, error) = await AdminAsync(host, "start-run", "--config", Path.Combine(Runs, file));

            Assert.Equal(("", 0), (error, code));
            Assert.Matches($@"^run-1 +running +version 0/\d+ .*'{Path.GetFileNameWithoutExtension(file)}'", output);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public void InitRun_Choices_AreExactlyTheShippedConfigs()
    {
        Assert.Equal(
            ShippedFiles(),
            InitRunCommand.Configs.Select(c => c.Resource).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("--movielens", "movielens-100k.json")]
    [InlineData("--csv-example", "csv-example.json")]
    public async Task InitRun_WithOut_WritesTheShippedFileByteForByte(string option, string file)
    {
        var directory = TempDirectory();
        try
        {
            var path = Path.Combine(directory, "run.json");

            var (code, output, error) = await InitRunAsync(option, "--out", path);

            Assert.Equal((0, ""), (code, error));
            Assert.Equal([$"wrote {path}; start it with: admin start-run --config {path}"], Lines(output));
            Assert.Equal(File.ReadAllBytes(Path.Combine(Runs, file)), File.ReadAllBytes(path));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task InitRun_WithoutOut_PrintsTheConfig()
    {
        var (code, output, error) = await InitRunAsync("--movielens");

        Assert.Equal((0, ""), (code, error));
        Assert.Equal(File.ReadAllText(Path.Combine(Runs, "movielens-100k.json")), output);
    }

    [Theory]
    [InlineData]
    [InlineData("--movielens", "--csv-example")]
    public async Task InitRun_NotExactlyOneChoice_OneLineErrorAndExitCodeTwo(params string[] args)
    {
        var (code, output, error) = await InitRunAsync(args);

        Assert.Equal((2, ""), (code, output));
        Assert.Equal(["error: choose exactly one of --movielens, --csv-example"], Lines(error));
    }

    [Fact]
    public async Task InitRun_ExistingOut_RefusedUnlessForce()
    {
        var directory = TempDirectory();
        try
        {
            var path = Path.Combine(directory, "run.json");
            File.WriteAllText(path, "an operator's own config");

            var refused = await InitRunAsync("--csv-example", "--out", path);
            var kept = File.ReadAllText(path);
            var forced = await InitRunAsync("--csv-example", "--out", path, "--force");

            Assert.Equal((1, ""), (refused.Code, refused.Output));
            Assert.Equal([$"error: {path} exists; give --force to replace it"], Lines(refused.Error));
            Assert.Equal("an operator's own config", kept);
            Assert.Equal((0, ""), (forced.Code, forced.Error));
            Assert.Equal(File.ReadAllText(Path.Combine(Runs, "csv-example.json")), File.ReadAllText(path));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task InitRun_UnwritableOut_OneLineErrorAndExitCodeOne()
    {
        var directory = TempDirectory();
        try
        {
            var path = Path.Combine(directory, "no-such-directory", "run.json");

            var (code, output, error) = await InitRunAsync("--movielens", "--out", path);

            Assert.Equal((1, ""), (code, output));
            Assert.StartsWith($"error: cannot write {path}: ", Assert.Single(Lines(error)), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>init-run needs no coordinator: no server and no token.</summary>
    private static async Task<(int Code, string Output, string Error)> InitRunAsync(params string[] args)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var code = await AdminCommand.RunAsync(["init-run", .. args], new InvocationConfiguration { Output = output, Error = error }, httpHandler: null);
        return (code, output.ToString(), error.ToString());
    }

    private static async Task<(int Code, string Output, string Error)> AdminAsync(CoordinatorTestHost host, params string[] args)
    {
        var server = (TestServer)host.Services.GetRequiredService<IServer>();
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        string[] connection = ["--coordinator", server.BaseAddress.ToString(), "--admin-token", CoordinatorTestHost.AdminToken];
        var code = await AdminCommand.RunAsync([.. args, .. connection], new InvocationConfiguration { Output = output, Error = error }, server.CreateHandler());
        return (code, output.ToString(), error.ToString());
    }

    private static string TempDirectory() => Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "federated-tests", Guid.NewGuid().ToString("N"))).FullName;

    private static string[] Lines(string text) => text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Federated.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Federated.sln above {AppContext.BaseDirectory}");
    }
}
