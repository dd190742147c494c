using Federated.Client.Cli;
using Federated.Client.Federation;
using Federated.Client.Tests.Federation;
using Federated.Client.Training;
using Federated.Model.Spec;

namespace Federated.Client.Tests.Cli;

/// <summary>
/// The README's exit-code table of the node, one code at a time through the command line, with the one line a user
/// reads. Codes 0, 2 and 5 are also pinned in <see cref="NodeCommandLineTests"/> (a full run; an unknown option; an
/// unreachable coordinator).
/// </summary>
public sealed class ExitCodeTests
{
    [Fact]
    public async Task InvokeAsync_RunEndsAtOnce_Ok()
    {
        using var node = new ScriptedNode();
        node.Connection.Offers.Enqueue(() => new AssignmentOffer(AssignmentStatus.RunEnded));

        var code = await node.RunAsync();

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal([(LeaveReason.RunEnded, null)], node.Connection.Leaves);
    }

    [Fact]
    public async Task InvokeAsync_CoordinatorLayoutDisagrees_FailedWithTheReason()
    {
        using var node = new ScriptedNode(fingerprint: "not-this-layout");

        var code = await node.RunAsync();

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("versions of Federated disagree", Assert.Single(node.Cli.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_CancelledByNothingOfOurs_FailedNotStopped()
    {
        using var node = new ScriptedNode();
        node.Connection.Offers.Enqueue(() => ScriptedConnection.Assigned(1, 0));
        node.Connection.SubmitFailures.Enqueue(new OperationCanceledException("the connection went away"));

        var code = await node.RunAsync();

        Assert.Equal(ExitCodes.Failed, code);
        Assert.DoesNotContain("stopped", node.Cli.Output, StringComparison.Ordinal);
        Assert.Contains("cancelled without a stop being asked", Assert.Single(node.Cli.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_RecommendUnknownUser_UsageErrorInAPlainSentence()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1");

        var code = await node.Cli.RunAsync(["recommend", "--user", "nobody", .. node.DataOptions]);

        Assert.Equal(ExitCodes.Usage, code);
        var error = Assert.Single(node.Cli.Errors);
        Assert.Equal("error: user 'nobody' is not in the data (--user takes a user key as it appears in the data)", error.TrimEnd());
    }

    [Fact]
    public async Task InvokeAsync_RecommendByUnknownTask_UsageErrorListingTheTasks()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1");

        var code = await node.Cli.RunAsync(["recommend", "--user", "u1", "--rank-by", "clicks", .. node.DataOptions]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("the model has no task 'clicks' (its tasks: rating, like)", Assert.Single(node.Cli.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_SchemaFileMissing_BadDataNamingTheFileAndTheOption()
    {
        using var node = new ScriptedNode();

        var code = await node.Cli.RunAsync("evaluate", "--data", node.Data, "--schema", Path.Combine(node.Directory.Path, "nope.json"));

        Assert.Equal(ExitCodes.BadData, code);
        Assert.Contains("nope.json: the schema file does not exist (--schema)", Assert.Single(node.Cli.Errors), StringComparison.Ordinal);
        Assert.DoesNotContain("Could not find file", node.Cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_RunWithAStateDirectoryThatCannotBeCreated_BadDataNamingStateBeforeContactingTheCoordinator()
    {
        using var node = new ScriptedNode();
        var file = Path.Combine(node.Directory.Path, "a-file");
        File.WriteAllText(file, "");
        var state = Path.Combine(file, "state");

        var code = await node.Cli.RunAsync("run", "--coordinator", "http://127.0.0.1:1", "--token", "t", "--data", node.Data, "--schema", node.Schema, "--state", state);

        Assert.Equal(ExitCodes.BadData, code);
        Assert.StartsWith($"error: --state {state}: the directory cannot be created (", Assert.Single(node.Cli.Errors), StringComparison.Ordinal);
        Assert.Empty(node.Connection.Calls);
    }

    [Fact]
    public async Task InvokeAsync_RunOnAStateDirectoryAnotherNodeHolds_BadDataBeforeContactingTheCoordinator()
    {
        using var node = new ScriptedNode();
        using var other = StateDirectoryLock.Acquire(node.State, "--state");

        var code = await node.Cli.RunAsync(["run", "--coordinator", "http://127.0.0.1:1", "--token", "t", .. node.DataOptions]);

        Assert.Equal(ExitCodes.BadData, code);
        Assert.Contains("is in use by another node process", Assert.Single(node.Cli.Errors), StringComparison.Ordinal);
        Assert.Empty(node.Connection.Calls);
    }

    [Fact]
    public async Task InvokeAsync_FineTuneIntoAStateDirectoryANodeHolds_BadDataAndNothingTrained()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1");
        using var running = StateDirectoryLock.Acquire(node.State, "--state");

        var code = await node.Cli.RunAsync(["finetune", "--epochs", "1", .. node.DataOptions]);

        Assert.Equal(ExitCodes.BadData, code);
        Assert.Contains("is in use by another node process", Assert.Single(node.Cli.Errors), StringComparison.Ordinal);
        Assert.DoesNotContain("epoch 1", node.Cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_EvaluateWithoutStateDirectory_BadDataSayingToRunTheNodeFirst()
    {
        using var node = new ScriptedNode();

        var code = await node.Cli.RunAsync(["evaluate", .. node.DataOptions]);

        Assert.Equal(ExitCodes.BadData, code);
        Assert.Contains("run the node against a coordinator first", Assert.Single(node.Cli.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_RunSpecHasAFieldTheDataLacks_LeavesWithErrorAndNeverPolls()
    {
        var spec = SyntheticData.Spec() with { Fields = [.. SyntheticData.Spec().Fields, new FieldSpec { Name = "region", Dim = 4, Buckets = 8 }] };
        using var node = new ScriptedNode(spec);

        var code = await node.RunAsync();

        Assert.Equal(ExitCodes.BadData, code);
        Assert.Contains("field 'region'", Assert.Single(node.Cli.Errors), StringComparison.Ordinal);
        Assert.Equal(["join", "leave"], node.Connection.Calls);
        var (reason, detail) = Assert.Single(node.Connection.Leaves);
        Assert.Equal(LeaveReason.Error, reason);
        Assert.Contains("field 'region'", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_UpdateRefusedBecauseTheTokenWasRevoked_OneFinalLineAndRefused()
    {
        using var node = new ScriptedNode();
        node.Connection.Offers.Enqueue(() => ScriptedConnection.Assigned(1, 0));
        node.Connection.SubmitFailures.Enqueue(new UpdateRejectedException(UpdateRejectedException.NodeRevoked, "the operator revoked this node's token (node n1); ask the operator for a new token"));

        var code = await node.RunAsync();

        Assert.Equal(ExitCodes.Refused, code);
        Assert.Equal("error: the operator revoked this node's token (node n1); ask the operator for a new token", Assert.Single(node.Cli.Errors).TrimEnd());
        Assert.DoesNotContain("waiting for the next round", node.Cli.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("wait", node.Connection.Calls.SkipWhile(c => c != "submit"));
    }

    [Fact]
    public async Task InvokeAsync_JoinWithARevokedToken_RefusedSayingToAskForANewToken()
    {
        using var scenario = new FederationScenario(nodes: 1);
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory);
        coordinator.StartRun(FederationScenario.RunConfig(minClients: 1));
        var token = coordinator.IssueToken("inst0");
        coordinator.Revoke("inst0");
        var schema = Path.Combine(scenario.CoordinatorDirectory, "schema.json");
        File.WriteAllText(schema, SyntheticData.SchemaJson);
        var cli = new CliHarness();

        var code = await cli.RunAsync("run", "--coordinator", coordinator.Address.ToString(), "--token", token, "--data", scenario.DataPaths[0], "--schema", schema, "--state", scenario.StateDirectories[0]);

        Assert.Equal(ExitCodes.Refused, code);
        Assert.Equal("error: the operator revoked this node's token (node inst0); ask the operator for a new token", Assert.Single(cli.Errors).TrimEnd());
    }

    [Fact]
    public async Task InvokeAsync_StoppedWhileWaiting_StoppedAndLeavesSayingSo()
    {
        using var node = new ScriptedNode();
        using var stop = new CancellationTokenSource();
        node.Connection.Offers.Enqueue(() =>
        {
            stop.Cancel();
            return new AssignmentOffer(AssignmentStatus.Wait);
        });

        var code = await node.RunAsync(stop.Token);

        Assert.Equal(ExitCodes.Stopped, code);
        Assert.Equal([(LeaveReason.Stopped, null)], node.Connection.Leaves);
        Assert.Empty(node.Cli.Errors);
    }

    [Theory]
    [InlineData("run --coordinator http://127.0.0.1:1 --token t --seed x", "the seed must be an integer, not 'x'")]
    [InlineData("run --coordinator http://127.0.0.1:1 --token t --join-timeout soon", "the join timeout must be a number of seconds ≥ 0, not 'soon'")]
    [InlineData("recommend --user u1 --k many", "--k must be a whole number ≥ 1, not 'many'")]
    public async Task InvokeAsync_NumberOptionNotANumber_UsageErrorInWordsWithoutTypeNames(string arguments, string expected)
    {
        using var node = new ScriptedNode();

        var code = await node.Cli.RunAsync([.. arguments.Split(' '), .. node.DataOptions]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(expected, node.Cli.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", node.Cli.Output, StringComparison.Ordinal);
    }
}
