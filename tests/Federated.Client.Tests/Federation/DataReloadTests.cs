using Federated.Client.Cli;
using Federated.Client.Data;
using Federated.Client.Federation;
using Federated.Client.Tests.Cli;

namespace Federated.Client.Tests.Federation;

/// <summary>A node that picks up rows appended to its data file between rounds (<c>--watch-data</c>).</summary>
public sealed class DataReloadTests
{
    private static readonly SplitOptions HashSplit = new() { Method = SplitMethod.Hash, Seed = 11, ValidationFraction = 0.2, TestFraction = 0.1 };

    [Fact]
    public async Task RunAsync_FileAppendedBetweenRounds_TrainsOnTheNewRowsAndKeepsOldTestRows()
    {
        using var directory = new TempDirectory();
        var data = SyntheticData.Write(directory.Path, 1, 20, 16, 10);
        var more = SyntheticData.Write(directory.Path, 2, 10, 16, 10, name: "more.csv");
        var connection = new ScriptedConnection(SyntheticData.Spec());
        connection.Offers.Enqueue(() => ScriptedConnection.Assigned(1, 0));
        connection.Offers.Enqueue(() =>
        {
            File.AppendAllLines(data, File.ReadAllLines(more).Skip(1));
            return ScriptedConnection.Assigned(2, 0);
        });
        connection.Offers.Enqueue(() => ScriptedConnection.Assigned(3, 0));
        connection.Offers.Enqueue(() => new AssignmentOffer(AssignmentStatus.RunEnded));
        var watch = new DataFileWatch(data);
        var loaded = new List<NodeDataset>();
        var options = FederationScenario.RunnerOptions(Path.Combine(directory.Path, "state")) with { DataChanged = watch.Changed };
        var progress = new SyncProgress();

        var summary = await new NodeRunner(
            connection,
            model =>
            {
                watch.Mark();
                loaded.Add(SyntheticData.Load(data, model, HashSplit));
                return loaded[^1];
            },
            options,
            progress).RunAsync();

        Assert.Equal(3, summary.RoundsTrained);
        Assert.Equal(2, loaded.Count);
        var (before, after) = (loaded[0], loaded[1]);
        Assert.Equal(200, before.Table.Count);
        Assert.Equal(300, after.Table.Count);
        Assert.Equal(before.Split.Test, after.Split.Test.Where(r => r < 200));
        Assert.Equal(before.Split.Train, after.Split.Train.Where(r => r < 200));
        Assert.Equal([before.Split.Train.Length, after.Split.Train.Length, after.Split.Train.Length], connection.Uploads.Select(u => u.Update.ExampleCount));
        var changed = Assert.Single(progress.Reports, p => p.Kind == NodeProgressKind.DataChanged);
        Assert.Equal(2, changed.Round);
        Assert.StartsWith($"data changed: 200 → 300 rows ({before.Split.Train.Length} → {after.Split.Train.Length} training rows)", changed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_WatchDataWithHashSplit_ReadsTheAppendedRowsBeforeTheNextRound()
    {
        using var node = new ScriptedNode();
        var more = SyntheticData.Write(node.Directory.Path, 2, 10, 16, 10, name: "more.csv");
        node.Connection.Offers.Enqueue(() => ScriptedConnection.Assigned(1, 0));
        node.Connection.Offers.Enqueue(() =>
        {
            File.AppendAllLines(node.Data, File.ReadAllLines(more).Skip(1));
            return ScriptedConnection.Assigned(2, 0);
        });
        node.Connection.Offers.Enqueue(() => new AssignmentOffer(AssignmentStatus.RunEnded));

        var code = await node.RunAsync(default, "--split", "hash", "--watch-data");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("data changed: 200 → 300 rows", node.Cli.Output, StringComparison.Ordinal);
        Assert.True(node.Connection.Uploads[1].Update.ExampleCount > node.Connection.Uploads[0].Update.ExampleCount);
    }

    [Theory]
    [InlineData("--watch-data", "--watch-data needs --split hash")]
    [InlineData("--split|random|--watch-data", "--watch-data needs --split hash")]
    [InlineData("--split|sorted", "the split must be random or hash, not 'sorted'")]
    public async Task InvokeAsync_WatchOrSplitMisused_UsageErrorInOneLine(string extra, string expected)
    {
        using var node = new ScriptedNode();

        var code = await node.RunAsync(default, extra.Split('|'));

        Assert.Equal(ExitCodes.Usage, code);
        var error = Assert.Single(node.Cli.Errors);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Empty(node.Connection.Calls);
    }
}
