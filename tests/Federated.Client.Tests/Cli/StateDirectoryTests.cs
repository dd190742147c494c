using Federated.Client.Cli;
using Federated.Client.Federation;
using Federated.Client.Training;

namespace Federated.Client.Tests.Cli;

/// <summary>A state directory belongs to one run and model layout: resumed when it matches, an error with the remedy when not, moved aside with --fresh.</summary>
public sealed class StateDirectoryTests
{
    [Fact]
    public async Task InvokeAsync_StateOfTheSameRun_Resumed()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1");
        node.Connection.Offers.Enqueue(() => new AssignmentOffer(AssignmentStatus.RunEnded));

        var code = await node.RunAsync();

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Empty(node.Cli.Errors);
        Assert.False(Directory.EnumerateDirectories(node.State, "discarded-*").Any());
    }

    [Fact]
    public async Task InvokeAsync_StateOfAnotherRun_BadDataNamingBothRunsAndTheRemedy()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-0");

        var code = await node.RunAsync();

        Assert.Equal(ExitCodes.BadData, code);
        var error = Assert.Single(node.Cli.Errors);
        Assert.Contains($"state directory {Path.GetFullPath(node.State)} holds run 'run-0' (model version 3); this is run 'run-1': use another --state, or --fresh to discard it", error, StringComparison.Ordinal);
        Assert.DoesNotContain("wait", node.Connection.Calls);
        Assert.Equal(LeaveReason.Error, Assert.Single(node.Connection.Leaves).Reason);
        Assert.Equal("run-0", GlobalModelStore.TryReadIdentity(Path.Combine(node.State, GlobalModelStore.FileName))!.RunId);
    }

    [Fact]
    public async Task InvokeAsync_StateOfAnotherModelLayout_BadData()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1", SyntheticData.Spec(userBuckets: 64));

        var code = await node.RunAsync();

        Assert.Equal(ExitCodes.BadData, code);
        Assert.Contains("holds run 'run-1' with model layout", Assert.Single(node.Cli.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_LocalStateWithoutTheGlobalModelNamingItsRun_BadData()
    {
        using var node = new ScriptedNode();
        Directory.CreateDirectory(node.State);
        File.WriteAllBytes(Path.Combine(node.State, NodeTrainingSession.StateFileName), [1, 2, 3]);

        var code = await node.RunAsync();

        Assert.Equal(ExitCodes.BadData, code);
        Assert.Contains("holds local state of a run it does not name", Assert.Single(node.Cli.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_StateOfAnotherRunWithFresh_MovedAsideAndTheRunGoesOn()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-0");
        node.Connection.Offers.Enqueue(() => new AssignmentOffer(AssignmentStatus.RunEnded));

        var code = await node.RunAsync(default, "--fresh");

        Assert.Equal(ExitCodes.Ok, code);
        var aside = Assert.Single(Directory.EnumerateDirectories(node.State, "discarded-*"));
        Assert.Equal("run-0", GlobalModelStore.TryReadIdentity(Path.Combine(aside, GlobalModelStore.FileName))!.RunId);
        Assert.Equal("run-1", GlobalModelStore.TryReadIdentity(Path.Combine(node.State, GlobalModelStore.FileName))!.RunId);
        Assert.Contains("moved the previous state to", node.Cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_FreshFromTheEnvironment_True()
    {
        var cli = new CliHarness(environment: new System.Collections.Hashtable { ["FEDERATED_FRESH"] = "true" }).CommandLine;

        Assert.True(cli.Resolve(cli.Root.Parse(["run"])).Fresh);
        Assert.False(new CliHarness().CommandLine.Resolve(cli.Root.Parse(["run"])).Fresh);
    }
}
