using Federated.Coordinator.Aggregation.Privacy;
using Federated.Coordinator.Privacy;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Rounds.Pipeline;
using Federated.Coordinator.Runs;
using Federated.Coordinator.Storage;
using Federated.Coordinator.Tests.Rounds;
using Federated.Coordinator.Tests.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Federated.Coordinator.Tests.Privacy;

/// <summary>
/// A run with <c>privacy.targetEpsilon</c> ends, completed and with a message that says why, before a round would spend
/// more than the target; the store agrees after a restart, and the run reports the ε it spent.
/// </summary>
public sealed class PrivacyBudgetTests
{
    // z calibrated so that 2 rounds (q = 1) spend at most ε = 4; the run asks for 5, so the budget ends it after 2.
    private const string Privacy = """
        "privacy": { "targetEpsilon": 4, "calibrationRounds": 2, "delta": 1e-5, "sampleRate": 1, "expectedClients": 1, "clipNorm": 1 }
        """;

    private static readonly RoundPipelineFactory Pipelines = new(privacyNoise: PrivacyNoiseSource.Keyed([3]));

    [Fact]
    public void Commit_TargetAllowsTwoOfFiveRounds_RunCompletesAfterTwoWithTheBudgetMessageAndRestartAgrees()
    {
        var config = PrivateConfig(rounds: 5);
        var plan = PrivacyPlan.From(RunConfig.FromJson(config))!;
        var afterTwo = RdpAccountant.Epsilon(1, plan.NoiseMultiplier, 2, 1e-5).Epsilon;
        Assert.InRange(afterTwo, 0, 4);
        Assert.True(RdpAccountant.Epsilon(1, plan.NoiseMultiplier, 3, 1e-5).Epsilon > 4);

        using var database = new TempDatabase();
        string run;
        RunSummary ended;
        using (var sqlite = new SqliteStore(database.Path))
        {
            using var fixture = new EngineFixture(pipelines: Pipelines, sqlite: sqlite);
            run = fixture.StartRun(config, "a");
            Assert.Equal(0, fixture.Engine.GetRun(run).Privacy!.Value.Epsilon);

            fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.01f));
            var running = fixture.Engine.GetRun(run);
            Assert.Equal((RunStatus.Running, 1L), (running.Status, running.ModelVersion));
            Assert.Equal(2, fixture.Engine.PollAssignment("a", run).Assignment?.Round);

            fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.01f));
            ended = fixture.Engine.GetRun(run);
            Assert.Equal((RunStatus.Completed, 2L), (ended.Status, ended.ModelVersion));
            Assert.Equal("privacy budget: one more round would spend ε = 5.0456 > target 4 (δ = 1E-05); completed 2 of 5 rounds at ε = 4", ended.Message);
            Assert.Equal(afterTwo, ended.Privacy!.Value.Epsilon, 1e-12);
            Assert.Equal(1e-5, ended.Privacy!.Value.Delta);

            var poll = fixture.Engine.PollAssignment("a", run);
            Assert.True(poll.RunEnded);
            Assert.Null(poll.Assignment);
            var stored = sqlite.LoadRuns().Single(r => r.Id == run);
            Assert.Equal((RunStatus.Completed, ended.Message), (stored.Status, stored.Message));
        }

        using var reopened = new SqliteStore(database.Path);
        var engine = new RoundEngine(reopened, new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 1, 0, TimeSpan.Zero)), pipelines: Pipelines);
        engine.Restore();
        var restored = engine.GetRun(run);
        Assert.Equal((RunStatus.Completed, 2L, ended.Message), (restored.Status, restored.ModelVersion, restored.Message));
        Assert.Equal(afterTwo, restored.Privacy!.Value.Epsilon, 1e-12);
    }

    [Fact]
    public void Poll_RestoredRunningAtAnExhaustedLedger_NoRoundOpensAndTheRunCompletes()
    {
        using var database = new TempDatabase();
        string run;
        using (var sqlite = new SqliteStore(database.Path))
        {
            using var fixture = new EngineFixture(pipelines: Pipelines, sqlite: sqlite);
            run = fixture.StartRun(PrivateConfig(rounds: 5), "a");
            fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.01f));
            fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.01f));
        }

        // As a coordinator that did not check the budget would have left it: still running at version 2.
        database.Raw("UPDATE runs SET status = 'running', message = '' WHERE id = $run", ("$run", run));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        using var reopened = new SqliteStore(database.Path);
        var engine = new RoundEngine(reopened, new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 1, 0, TimeSpan.Zero)), pipelines: Pipelines);
        engine.Restore();
        Assert.Equal(RunStatus.Running, engine.GetRun(run).Status);

        var poll = engine.PollAssignment("a", run);
        Assert.True(poll.RunEnded);
        Assert.Null(poll.Assignment);
        var ended = engine.GetRun(run);
        Assert.Equal((RunStatus.Completed, 2L), (ended.Status, ended.ModelVersion));
        Assert.StartsWith("privacy budget: ", ended.Message, StringComparison.Ordinal);
        var stored = reopened.LoadRuns().Single(r => r.Id == run);
        Assert.Equal((RunStatus.Completed, ended.Message), (stored.Status, stored.Message));
        Assert.Equal(2, reopened.LoadRounds(run).Count);
    }

    [Fact]
    public void Commit_TargetCoversEveryRound_RunCompletesByItsRoundCount()
    {
        using var fixture = new EngineFixture(pipelines: Pipelines);
        var run = fixture.StartRun(PrivateConfig(rounds: 2, calibrationRounds: null), "a");
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.01f));
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.01f));

        var ended = fixture.Engine.GetRun(run);
        Assert.Equal((RunStatus.Completed, 2L, "completed 2 rounds"), (ended.Status, ended.ModelVersion, ended.Message));
        Assert.InRange(ended.Privacy!.Value.Epsilon, 0, 4);
    }

    [Fact]
    public void GetRun_NoPrivacySection_NoPrivacySpent()
    {
        using var fixture = new EngineFixture(pipelines: Pipelines);
        var run = fixture.StartRun(TestSpecs.RunConfig(minClients: 1, rounds: 2), "a");
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.01f));
        Assert.Null(fixture.Engine.GetRun(run).Privacy);
    }

    private static string PrivateConfig(int rounds, int? calibrationRounds = 2)
    {
        var privacy = calibrationRounds is null ? Privacy.Replace("\"calibrationRounds\": 2, ", "", StringComparison.Ordinal) : Privacy;
        var config = TestSpecs.RunConfig(minClients: 1, rounds: rounds)
            .Replace("\"strategy\": { \"name\": \"fedavg\" }", "\"strategy\": { \"name\": \"fedavg\" },\n" + privacy, StringComparison.Ordinal);
        Assert.Contains("targetEpsilon", config, StringComparison.Ordinal);
        return config;
    }
}
