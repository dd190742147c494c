using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Federated.Coordinator.Cli;
using Federated.Protos.V1;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Federated.Coordinator.Tests;

/// <summary>The <c>admin versions</c> and <c>admin keep</c> verbs, run in-process against a coordinator on a TestServer.</summary>
public sealed partial class AdminCommandTests
{
    [Fact]
    public async Task Versions_SmallRun_PrintsTableOfStoredVersions()
    {
        await using var host = await OperatorVersionTests.StartHostAsync(keepLastVersions: 2);
        try
        {
            var (run, node) = await OperatorVersionTests.StartRunAsync(host);
            await OperatorVersionTests.CommitRoundsAsync(node, run, 1, 2);
            await host.Operator.KeepVersionAsync(new KeepVersionRequest { RunId = run, ModelVersion = 2, Keep = true }, CoordinatorTestHost.Admin);
            await OperatorVersionTests.CommitRoundsAsync(node, run, 3, 4);

            var (code, output, error) = await AdminAsync(host, "versions", "--run", run);

            var size = string.Create(CultureInfo.InvariantCulture, $"{OperatorVersionTests.VersionBytes} B");
            Assert.Equal(0, code);
            Assert.Equal("", error);
            Assert.Equal(
                [
                    "version  round  created               kept        size",
                    $"      0      0  2026-01-01 00:00:00Z  -     {size,10}",
                    $"      2      2  2026-01-01 00:00:00Z  yes   {size,10}",
                    $"      3      3  2026-01-01 00:00:00Z  -     {size,10}",
                    $"      4      4  2026-01-01 00:00:00Z  -     {size,10}",
                ],
                Lines(output));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task Versions_Json_EveryFieldEvenAtItsDefault()
    {
        await using var host = await OperatorVersionTests.StartHostAsync(keepLastVersions: 2);
        try
        {
            var (run, node) = await OperatorVersionTests.StartRunAsync(host);
            await OperatorVersionTests.CommitRoundsAsync(node, run, 1, 1);

            var (code, output, _) = await AdminAsync(host, "versions", "--run", run, "--json");

            Assert.Equal(0, code);
            var versions = JsonDocument.Parse(output).RootElement.GetProperty("versions").EnumerateArray().ToList();
            Assert.Equal(["0", "1"], versions.Select(v => v.GetProperty("modelVersion").GetString()));
            Assert.Equal(["0", "1"], versions.Select(v => v.GetProperty("round").GetString()));
            Assert.All(versions, v => Assert.False(v.GetProperty("kept").GetBoolean()));
            Assert.All(versions, v => Assert.Equal(OperatorVersionTests.VersionBytes.ToString(CultureInfo.InvariantCulture), v.GetProperty("bytes").GetString()));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task Keep_ThenRelease_MarkSetAndCleared()
    {
        await using var host = await OperatorVersionTests.StartHostAsync(keepLastVersions: 2);
        try
        {
            var (run, node) = await OperatorVersionTests.StartRunAsync(host);
            await OperatorVersionTests.CommitRoundsAsync(node, run, 1, 1);

            var keep = await AdminAsync(host, "keep", "--run", run, "--version", "1");
            var marked = (await host.Operator.ListVersionsAsync(new RunRequest { RunId = run }, CoordinatorTestHost.Admin)).Versions.Single(v => v.ModelVersion == 1).Kept;
            var release = await AdminAsync(host, "keep", "--run", run, "--version", "1", "--release");
            var unmarked = (await host.Operator.ListVersionsAsync(new RunRequest { RunId = run }, CoordinatorTestHost.Admin)).Versions.Single(v => v.ModelVersion == 1).Kept;

            Assert.Equal((0, $"version 1 of {run} is kept for good", ""), (keep.Code, keep.Output.TrimEnd(), keep.Error));
            Assert.True(marked);
            Assert.Equal((0, $"version 1 of {run} is no longer marked: it is deleted once it is not among the newest versions", ""), (release.Code, release.Output.TrimEnd(), release.Error));
            Assert.False(unmarked);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task Keep_DeletedVersion_OneLineErrorAndExitCodeFour()
    {
        await using var host = await OperatorVersionTests.StartHostAsync(keepLastVersions: 2);
        try
        {
            var (run, node) = await OperatorVersionTests.StartRunAsync(host);
            await OperatorVersionTests.CommitRoundsAsync(node, run, 1, 4);

            var (code, output, error) = await AdminAsync(host, "keep", "--run", run, "--version", "1");

            Assert.Equal(4, code);
            Assert.Equal("", output);
            Assert.Equal([$"error: [version-not-stored] run {run} stores no version 1 (NotFound)"], Lines(error));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task Versions_UnknownRun_OneLineErrorAndExitCodeFour()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (code, output, error) = await AdminAsync(host, "versions", "--run", "no-such-run");

            Assert.Equal(4, code);
            Assert.Equal("", output);
            Assert.Equal(["error: [unknown-run] no run 'no-such-run' (NotFound)"], Lines(error));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    /// <summary>Runs <c>admin</c> with <paramref name="args"/> against the host's TestServer; returns exit code, output and error.</summary>
    internal static async Task<(int Code, string Output, string Error)> AdminAsync(CoordinatorTestHost host, params string[] args)
    {
        var server = (TestServer)host.Services.GetRequiredService<IServer>();
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        string[] connection = ["--coordinator", server.BaseAddress.ToString(), "--admin-token", CoordinatorTestHost.AdminToken];
        var code = await AdminCommand.RunAsync([.. args, .. connection], new InvocationConfiguration { Output = output, Error = error }, server.CreateHandler());
        return (code, output.ToString(), error.ToString());
    }

    internal static string[] Lines(string text) => text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
}
