using Federated.Coordinator.Rounds;
using Federated.Coordinator.Storage;
using Federated.Coordinator.Tests.Storage;
using Federated.Model.Spec;
using Microsoft.Extensions.Time.Testing;
using static Federated.Coordinator.Tests.Rounds.LabelStatisticsFixture;

namespace Federated.Coordinator.Tests.Rounds;

/// <summary>
/// A run with shared heads whose output bias starts from data spends its first round on the nodes' label statistics and
/// commits version 1 with the merged biases; every submission is validated before it counts.
/// </summary>
public sealed class LabelStatisticsRoundTests
{
    private const string ClickBias = "tower/click/out/b";
    private const string RatingBias = "tower/rating/out/b";

    [Fact]
    public void PollAssignment_RunWithSharedHeadsFromData_FirstRoundAsksForTheirStatisticsInSpecOrder()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(Config(), "a", "b", "c");

        var assignment = fixture.Engine.PollAssignment("a", run).Assignment;

        Assert.NotNull(assignment);
        Assert.Equal((1L, 0L), (assignment.Round, assignment.ModelVersion));
        Assert.Equal(["click", "rating"], assignment.LabelStatisticsTasks!);
        Assert.Equal(3, fixture.Engine.GetRun(run).Rounds);
    }

    [Fact]
    public void PollAssignment_RunWithoutSharedHeadsFromData_FirstRoundTrains()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(rounds: 2), "a", "b", "c");

        var assignment = fixture.Engine.PollAssignment("a", run).Assignment;

        Assert.Null(assignment!.LabelStatisticsTasks);
        Assert.Equal(2, fixture.Engine.GetRun(run).Rounds);
    }

    [Fact]
    public void SubmitLabelStatistics_ThreeNodesWithDifferentLabels_Version1BiasesArePooledLogitAndMean()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(Config(), "a", "b", "c");
        var labels = new[] { Labels(1, 40, 0.1, 2.0), Labels(2, 75, 0.6, 4.5), Labels(3, 13, 0.35, 3.0) };
        var base0 = fixture.Engine.GetModel(run, 0).Clone();

        var outcomes = new[] { "a", "b", "c" }.Select((node, i) => fixture.Engine.SubmitLabelStatistics(node, run, 1, Of(labels[i]))).ToArray();

        Assert.Equal([1, 2, 3], outcomes.Select(o => o.UpdatesInRound));
        Assert.All(outcomes, o => Assert.False(o.Duplicate));
        var (click, rating) = PooledBiases(labels);
        var next = fixture.Engine.GetModel(run, 1);
        Assert.Equal(click, next[ClickBias][0], 1e-5f);
        Assert.Equal(rating, next[RatingBias][0], 1e-5f);
        Assert.NotEqual(base0[ClickBias][0], next[ClickBias][0]);

        // Nothing else moves: version 1 is version 0 with the two biases set.
        foreach (var tensor in next.Layout.Tensors.Where(t => t.Name is not ClickBias and not RatingBias))
        {
            Assert.True(base0[tensor].SequenceEqual(next[tensor]), tensor.Name);
        }
    }

    [Fact]
    public void SubmitLabelStatistics_NoNodeHasRatingLabels_RatingKeepsTheSpecBias()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(Config(), "a", "b", "c");

        foreach (var node in new[] { "a", "b", "c" })
        {
            fixture.Engine.SubmitLabelStatistics(node, run, 1, Of(10, 5, 0, 0));
        }

        var next = fixture.Engine.GetModel(run, 1);
        Assert.Equal(RatingSpecBias, next[RatingBias][0]);
        Assert.Equal(0f, next[ClickBias][0], 1e-6f);
    }

    public static TheoryData<string, TaskLabelStatistics[]> InvalidSubmissions => new()
    {
        { "missing task", [new("click", new(10, 3))] },
        { "unknown task", [.. Of(10, 3, 10, 30), new("dwell", new(10, 3))] },
        { "repeated task", [.. Of(10, 3, 10, 30), new("click", new(10, 3))] },
        { "negative count", Of(-1, 0, 10, 30) },
        { "count above the limit", Of(1001, 3, 10, 30) },
        { "NaN sum", Of(10, 3, 10, double.NaN) },
        { "infinite sum", Of(10, 3, 10, double.PositiveInfinity) },
        { "binary sum above count", Of(10, 11, 10, 30) },
        { "binary sum below 0", Of(10, -1, 10, 30) },
        { "count 0 with a sum", Of(10, 3, 0, 1) },
    };

    [Theory]
    [MemberData(nameof(InvalidSubmissions))]
    public void SubmitLabelStatistics_InvalidValues_RefusedInvalidLabelStatisticsAndMergeUntouched(string why, TaskLabelStatistics[] statistics)
    {
        using var fixture = new EngineFixture(options: new RoundEngineOptions { MaxLabelledExamples = 1000 });
        var run = fixture.StartRun(Config(), "a", "b", "c");

        var e = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitLabelStatistics("a", run, 1, statistics));
        foreach (var node in new[] { "a", "b", "c" })
        {
            fixture.Engine.SubmitLabelStatistics(node, run, 1, Of(10, 2, 4, 10));
        }

        Assert.True(e.Reason == Rejection.InvalidLabelStatistics, why);
        var next = fixture.Engine.GetModel(run, 1);
        Assert.Equal((float)Math.Log(0.2 / 0.8), next[ClickBias][0], 1e-5f);
        Assert.Equal(2.5f, next[RatingBias][0], 1e-6f);
    }

    [Fact]
    public void SubmitLabelStatistics_MergedSumWouldOverflow_RefusedAndMergeUntouched()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(Config(), "a", "b", "c");
        fixture.Engine.SubmitLabelStatistics("a", run, 1, Of(10, 2, 2, 1.7e308));

        var e = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitLabelStatistics("b", run, 1, Of(10, 2, 2, 1.7e308)));
        fixture.Engine.SubmitLabelStatistics("b", run, 1, Of(10, 2, 2, -1.7e308));
        fixture.Engine.SubmitLabelStatistics("c", run, 1, Of(10, 2, 6, 8));

        Assert.Equal(Rejection.InvalidLabelStatistics, e.Reason);
        Assert.Contains("'rating'", e.Message, StringComparison.Ordinal);
        Assert.Equal(0.8f, fixture.Engine.GetModel(run, 1)[RatingBias][0], 1e-5f);
    }

    [Fact]
    public void SubmitLabelStatistics_MergedCountWouldExceed2To53_RefusedAndMergeUntouched()
    {
        using var fixture = new EngineFixture(options: new RoundEngineOptions { MaxLabelledExamples = 1L << 53 });
        var run = fixture.StartRun(Config(), "a", "b", "c");
        fixture.Engine.SubmitLabelStatistics("a", run, 1, Of((1L << 53) - 5, 0, 1, 3));

        var e = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitLabelStatistics("b", run, 1, Of(6, 6, 1, 3)));
        fixture.Engine.SubmitLabelStatistics("b", run, 1, Of(5, 5, 1, 3));

        Assert.Equal(Rejection.InvalidLabelStatistics, e.Reason);
        Assert.Equal(2, fixture.Engine.ListRounds(run).Single().Updates);
    }

    [Fact]
    public void SubmitLabelStatistics_NodeNotSelectedOrNotInTheRun_RefusedNotSelectedAsAnUpdateIs()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(Config(minClients: 2, nodesPerRound: 2), "a", "b", "c");
        var outsider = fixture.Engine.ListRounds(run).Single().Selected is var selected ? new[] { "a", "b", "c" }.Single(n => !selected.Contains(n)) : "";
        fixture.Directory.IssueToken("stranger");

        var notSelected = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitLabelStatistics(outsider, run, 1, Of(10, 2, 4, 10)));
        var stranger = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitLabelStatistics("stranger", run, 1, Of(10, 2, 4, 10)));
        var unknown = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitLabelStatistics("nobody", run, 1, Of(10, 2, 4, 10)));

        Assert.Equal((Rejection.NotSelected, Rejection.NotSelected, Rejection.UnknownNode), (notSelected.Reason, stranger.Reason, unknown.Reason));
        Assert.Equal(0, fixture.Engine.ListRounds(run).Single().Updates);
    }

    [Fact]
    public void SubmitLabelStatistics_SameValuesAgain_DuplicateAndCountedOnce()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(Config(), "a", "b", "c");
        var labels = Labels(5, 30, 0.3, 3);

        var first = fixture.Engine.SubmitLabelStatistics("a", run, 1, Of(labels));
        var again = fixture.Engine.SubmitLabelStatistics("a", run, 1, [.. Of(labels).Reverse()]);
        var other = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitLabelStatistics("a", run, 1, Of(1, 1, 1, 1)));

        Assert.False(first.Duplicate);
        Assert.True(again.Duplicate);
        Assert.Equal(1, again.UpdatesInRound);
        Assert.Equal(Rejection.AlreadySubmitted, other.Reason);
        fixture.Engine.SubmitLabelStatistics("b", run, 1, Of(labels));
        fixture.Engine.SubmitLabelStatistics("c", run, 1, Of(labels));
        Assert.Equal(PooledBiases(labels).Rating, fixture.Engine.GetModel(run, 1)[RatingBias][0], 1e-5f);
    }

    [Fact]
    public void SubmitLabelStatistics_WrongRound_RefusedStaleOrFutureRound()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(Config(), "a", "b", "c");

        var future = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitLabelStatistics("a", run, 2, Of(10, 2, 4, 10)));
        var stale = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitLabelStatistics("a", run, 0, Of(10, 2, 4, 10)));

        Assert.Equal((Rejection.FutureRound, Rejection.StaleRound), (future.Reason, stale.Reason));
    }

    [Fact]
    public void SubmitUpdate_InTheStatisticsRound_RefusedLabelStatisticsMismatch()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(Config(), "a", "b", "c");

        var e = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.01f)));

        Assert.Equal(Rejection.LabelStatisticsMismatch, e.Reason);
        Assert.Equal(0, fixture.Engine.ListRounds(run).Single().Updates);
    }

    [Fact]
    public void SubmitLabelStatistics_InATrainingRound_RefusedLabelStatisticsMismatch()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(), "a", "b", "c");

        var e = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitLabelStatistics("a", run, 1, [new("click", new(1, 1))]));

        Assert.Equal(Rejection.LabelStatisticsMismatch, e.Reason);
    }

    [Fact]
    public void Tick_DeadlineWithQuorum_CommitsTheStatisticsOfTheNodesThatAnswered()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(Config(quorum: 2), "a", "b", "c");
        fixture.Engine.SubmitLabelStatistics("a", run, 1, Of(10, 1, 2, 4));
        fixture.Engine.SubmitLabelStatistics("b", run, 1, Of(10, 3, 2, 8));

        fixture.Engine.Tick();
        var early = fixture.Engine.GetRun(run).ModelVersion;
        fixture.Time.Advance(TimeSpan.FromSeconds(61));
        fixture.Engine.Tick();

        Assert.Equal(0, early);
        Assert.Equal(1, fixture.Engine.GetRun(run).ModelVersion);
        var next = fixture.Engine.GetModel(run, 1);
        Assert.Equal((float)Math.Log(0.2 / 0.8), next[ClickBias][0], 1e-5f);
        Assert.Equal(3f, next[RatingBias][0], 1e-6f);
        Assert.Equal(RoundState.Committed, fixture.Engine.ListRounds(run)[0].State);
    }

    [Fact]
    public void Tick_DeadlineWithoutQuorum_FailsAndTheRetryAsksForStatisticsAgain()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(Config(quorum: 2), "a", "b", "c");
        fixture.Engine.SubmitLabelStatistics("a", run, 1, Of(10, 1, 2, 4));

        fixture.Time.Advance(TimeSpan.FromSeconds(61));
        fixture.Engine.Tick();
        foreach (var node in new[] { "a", "b", "c" })
        {
            fixture.Engine.PollAssignment(node, run);
        }

        var retry = fixture.Engine.PollAssignment("a", run).Assignment;
        Assert.Equal(RoundState.Failed, fixture.Engine.ListRounds(run)[0].State);
        Assert.Equal((2L, 0L), (retry!.Round, retry.ModelVersion));
        Assert.Equal(["click", "rating"], retry.LabelStatisticsTasks!);
    }

    [Fact]
    public void PollAssignment_AfterTheStatisticsRound_TrainsFromVersion1AndTheRunTrainsItsRounds()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(Config(rounds: 1), "a", "b", "c");
        foreach (var node in new[] { "a", "b", "c" })
        {
            fixture.Engine.SubmitLabelStatistics(node, run, 1, Of(10, 5, 2, 4));
        }

        var training = fixture.Engine.PollAssignment("a", run).Assignment;
        var version1 = fixture.Engine.GetModel(run, 1).Clone();
        foreach (var node in new[] { "a", "b", "c" })
        {
            fixture.Engine.SubmitUpdate(null, fixture.Update(run, node, 0.01f) with { TaskExamples = new Dictionary<string, long> { ["click"] = 100, ["rating"] = 100 } });
        }

        Assert.Equal((2L, 1L), (training!.Round, training.ModelVersion));
        Assert.Null(training.LabelStatisticsTasks);
        var summary = fixture.Engine.GetRun(run);
        Assert.Equal((RunStatus.Completed, 2L, 2), (summary.Status, summary.ModelVersion, summary.Rounds));
        var version2 = fixture.Engine.GetModel(run, 2);
        Assert.Equal(version1[RatingBias][0] + 0.01f, version2[RatingBias][0], 1e-5f);
    }

    [Fact]
    public void Restore_OpenStatisticsRound_ReopensEmptyAndItsNodesSendAgain()
    {
        using var database = new TempDatabase();
        string run;
        var labels = new[] { Labels(7, 20, 0.2, 1), Labels(8, 50, 0.7, 5), Labels(9, 9, 0.5, 3) };
        using (var sqlite = new SqliteStore(database.Path))
        {
            using var fixture = new EngineFixture(sqlite: sqlite);
            run = fixture.StartRun(Config(), "a", "b", "c");
            fixture.Engine.SubmitLabelStatistics("a", run, 1, Of(labels[0]));
            fixture.Engine.SubmitLabelStatistics("b", run, 1, Of(labels[1]));
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using var reopened = new SqliteStore(database.Path);
        var engine = new RoundEngine(reopened, new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 1, 0, TimeSpan.Zero)));
        engine.Restore();

        var offered = engine.PollAssignment("a", run).Assignment;
        Assert.Equal((1L, 0L), (offered!.Round, offered.ModelVersion));
        Assert.Equal(["click", "rating"], offered.LabelStatisticsTasks!);
        Assert.Equal(0, engine.ListRounds(run).Single().Updates);
        var resent = engine.SubmitLabelStatistics("a", run, 1, Of(labels[0]));
        engine.SubmitLabelStatistics("b", run, 1, Of(labels[1]));
        engine.SubmitLabelStatistics("c", run, 1, Of(labels[2]));

        Assert.False(resent.Duplicate);
        var (click, rating) = PooledBiases(labels);
        var next = engine.GetModel(run, 1);
        Assert.Equal(click, next[ClickBias][0], 1e-5f);
        Assert.Equal(rating, next[RatingBias][0], 1e-5f);

        // Restored nodes are selected again once they poll.
        engine.PollAssignment("b", run);
        engine.PollAssignment("c", run);
        Assert.Equal((2L, 1L), (engine.PollAssignment("a", run).Assignment?.Round, engine.GetRun(run).ModelVersion));
    }
}
