using Federated.Client.Cli;
using Federated.Model.Spec;

namespace Federated.Client.Tests.Cli;

/// <summary><c>recommend --explain</c> and <c>evaluate --explain</c> through the node's command line.</summary>
public sealed class ExplainCommandTests
{
    private static ModelSpec Mmoe => SyntheticData.Spec() with { Trunk = new TrunkSpec { Kind = TrunkKind.Mmoe, Hidden = [16], Experts = 3 } };

    [Fact]
    public async Task InvokeAsync_RecommendExplainWithMmoe_GateWeightsAndTopFieldsPerItemAndTask()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1", Mmoe);

        var code = await node.Cli.RunAsync(["recommend", "--user", "u1", "--k", "2", "--explain", .. node.DataOptions]);

        Assert.Equal(ExitCodes.Ok, code);
        var lines = node.Cli.Output.Split('\n');
        Assert.Contains(lines, l => l.Contains("gate weights over experts", StringComparison.Ordinal));
        var explained = lines.Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"│ (rating|like) +│ e0 [01]\.\d\d  e1 [01]\.\d\d  e2 [01]\.\d\d +│ \w+ [+-]\d\.\d{3}  \w+ [+-]\d\.\d{3}  \w+ [+-]\d\.\d{3}")).ToList();
        Assert.Equal(4, explained.Count); // 2 items × 2 tasks
    }

    [Fact]
    public async Task InvokeAsync_RecommendExplainWithSharedBottom_SaysNoGatesAndStillRanksFields()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1");

        var code = await node.Cli.RunAsync(["recommend", "--user", "u1", "--k", "1", "--explain", .. node.DataOptions]);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("no gates (shared-bottom trunk)", node.Cli.Output, StringComparison.Ordinal);
        Assert.Contains(node.Cli.Output.Split('\n'), l => System.Text.RegularExpressions.Regex.IsMatch(l, @"│ rating +│ \w+ [+-]\d\.\d{3}"));
    }

    [Fact]
    public async Task InvokeAsync_EvaluateExplainWithMmoe_MeanGateWeightsPerTaskSummingToOne()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1", Mmoe);

        var code = await node.Cli.RunAsync(["evaluate", "--explain", .. node.DataOptions]);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Matches(@"Mean gate weights over \d+ validation rows", node.Cli.Output);
        foreach (var task in new[] { "rating", "like" })
        {
            var match = System.Text.RegularExpressions.Regex.Match(node.Cli.Output, $@"│ {task} +│ e0 ([01]\.\d\d)  e1 ([01]\.\d\d)  e2 ([01]\.\d\d)");
            Assert.True(match.Success, node.Cli.Output);
            var sum = Enumerable.Range(1, 3).Sum(g => double.Parse(match.Groups[g].Value, System.Globalization.CultureInfo.InvariantCulture));
            Assert.InRange(sum, 0.985, 1.015);
        }
    }

    /// <summary>PLE: one row per task and level, over the shared experts and the task's own.</summary>
    [Fact]
    public async Task InvokeAsync_EvaluateExplainWithPle_MeanGateWeightsPerTaskAndLevel()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1", SyntheticData.Spec() with { Trunk = new TrunkSpec { Kind = TrunkKind.Ple, Hidden = [8], SharedExperts = 2, TaskExperts = 1, Levels = 2 } });

        var code = await node.Cli.RunAsync(["evaluate", "--explain", "--part", "test", .. node.DataOptions]);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Matches(@"Mean gate weights over \d+ test rows", node.Cli.Output);
        foreach (var (task, level) in new[] { ("rating", 0), ("rating", 1), ("like", 0), ("like", 1) })
        {
            Assert.Matches($@"│ {task} +│ +{level} │ shared0 [01]\.\d\d  shared1 [01]\.\d\d  {task}0 [01]\.\d\d", node.Cli.Output);
        }
    }

    [Fact]
    public async Task InvokeAsync_EvaluateExplainWithSharedBottom_SaysNoGates()
    {
        using var node = new ScriptedNode();
        node.SaveGlobalModel("run-1");

        var code = await node.Cli.RunAsync(["evaluate", "--explain", .. node.DataOptions]);

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("Gate weights: no gates (shared-bottom trunk)", node.Cli.Output, StringComparison.Ordinal);
    }
}
