using Federated.Client.Cli;
using Federated.Client.Training;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Tests.Cli;

/// <summary><c>evaluate</c> and <c>recommend</c> with <c>--member-state</c>: several runs' models on this node's data as their mean.</summary>
public sealed class EnsembleCommandTests
{
    [Fact]
    public async Task InvokeAsync_EvaluateWithMemberState_MeanOfBothRunsFigures()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1");
        var member = SaveMember(node, "member", "run-2", modelSeed: 2);

        var code = await node.Cli.RunAsync(["evaluate", "--part", "test", "--member-state", member, .. node.DataOptions]);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("Mean of 2 runs (run-1 v3, run-2 v3): test data", node.Cli.Output, StringComparison.Ordinal);
        var expected = Expected(node, member);
        Assert.Contains($"rmse {expected:0.0000}", node.Cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_RecommendWithMemberState_TitledAsTheMeanOfTheRuns()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1");
        var member = SaveMember(node, "member", "run-2", modelSeed: 2);

        var code = await node.Cli.RunAsync(["recommend", "--user", "u1", "--k", "3", "--member-state", member, .. node.DataOptions]);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("Scored by the mean of 2 runs: run-1 v3, run-2 v3", node.Cli.Output, StringComparison.Ordinal);
        Assert.Equal(3, node.Cli.Output.Split('\n').Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"│ [123] +│ i\d+ +│")));
    }

    [Theory]
    [InlineData("missing", "", "error: --member-state {dir}: no such directory")]
    [InlineData("state", "", "error: --member-state {dir}: already a member (each run's state counts once)")]
    [InlineData("member", "--explain", "error: --explain explains one model: give it without --member-state")]
    [InlineData("other-tasks", "", "error: --member-state: member 2's tasks (like binary, rating regression) differ from the first member's")]
    public async Task InvokeAsync_BadMemberState_OneLineUsageError(string which, string extra, string expected)
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1");
        var dir = which switch
        {
            "missing" => Path.Combine(node.Directory.Path, "nowhere"),
            "state" => node.State,
            "other-tasks" => SaveMember(node, "other", "run-3", modelSeed: 2, SyntheticData.Spec() with { Tasks = [.. SyntheticData.Spec().Tasks.Reverse()] }),
            _ => SaveMember(node, "member", "run-2", modelSeed: 2),
        };

        var code = await node.Cli.RunAsync(["evaluate", "--member-state", dir, .. extra.Length > 0 ? new[] { extra } : [], .. node.DataOptions]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith(expected.Replace("{dir}", dir, StringComparison.Ordinal), Assert.Single(node.Cli.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_EvaluateWithModelAndMemberState_Refused()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1");
        var member = SaveMember(node, "member", "run-2", modelSeed: 2);

        var code = await node.Cli.RunAsync(["evaluate", "--model", Path.Combine(node.Directory.Path, "x.safetensors"), "--member-state", member, .. node.DataOptions]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("error: --model and --member-state: the members are state directories; give one or the other", Assert.Single(node.Cli.Errors).TrimEnd());
    }

    private static string SaveMember(ScriptedNode node, string name, string runId, int modelSeed, ModelSpec? spec = null)
    {
        spec ??= SyntheticData.Spec();
        var dir = Path.Combine(node.Directory.Path, name);
        Directory.CreateDirectory(dir);
        GlobalModelStore.Save(Path.Combine(dir, GlobalModelStore.FileName), runId, 3, spec, ParameterSet.Initialize(spec, modelSeed));
        return dir;
    }

    /// <summary>The rating RMSE of the two runs' mean on the test rows, computed through the library (the same data, split and seed as the CLI).</summary>
    private static double Expected(ScriptedNode node, string member)
    {
        var sessions = new[] { node.State, member }.Select(dir =>
        {
            var global = GlobalModelStore.TryLoad(Path.Combine(dir, GlobalModelStore.FileName))!;
            var data = Federated.Client.Data.NodeDataset.Load(Federated.Client.Data.ExampleSources.Open(node.Data, node.Schema), global.Model, new Federated.Client.Data.SplitOptions());
            var session = new NodeTrainingSession(data, dir, new NodeTrainingOptions());
            session.LoadShared(global.Parameters, global.ModelVersion);
            return session;
        }).ToArray();
        try
        {
            return new SessionEnsemble(sessions).Evaluate(DataPart.Test)[0].ToFigures()["rmse"];
        }
        finally
        {
            foreach (var session in sessions)
            {
                session.Dispose();
            }
        }
    }
}
