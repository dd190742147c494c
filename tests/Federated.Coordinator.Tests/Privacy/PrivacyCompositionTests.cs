using Federated.Coordinator.Aggregation.Privacy;
using Federated.Coordinator.Privacy;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Rounds.Pipeline;
using Federated.Coordinator.Runs;
using Federated.Coordinator.Storage;
using Federated.Coordinator.Tests.Rounds;
using Federated.Coordinator.Tests.Storage;

namespace Federated.Coordinator.Tests.Privacy;

/// <summary>
/// <c>privacy.composeWith</c>: a run over the same clients' data as earlier private runs starts its accountant from what
/// they spent, so its ε (and its target) covers them; the earlier runs must be private and ended.
/// </summary>
public sealed class PrivacyCompositionTests
{
    private static readonly RoundPipelineFactory Pipelines = new(privacyNoise: PrivacyNoiseSource.Keyed([4]));

    [Fact]
    public void CreateRun_ComposedWithAnEndedRun_StartsFromItsSpendingAndAddsItsOwnRounds()
    {
        using var fixture = new EngineFixture(pipelines: Pipelines);
        var first = CompletedPrivateRun(fixture, rounds: 2);
        Assert.Equal(Epsilon(2), fixture.Engine.GetRun(first).Privacy!.Value.Epsilon, 1e-12);

        var second = fixture.StartRun(PrivateConfig(rounds: 3, $"\"composeWith\": [\"{first}\"]"), "a");
        Assert.Equal(Epsilon(2), fixture.Engine.GetRun(second).Privacy!.Value.Epsilon, 1e-9);
        fixture.Engine.SubmitUpdate(null, fixture.Update(second, "a", 0.01f));

        // Same q and z: two rounds before and one now compose as three rounds.
        Assert.Equal(Epsilon(3), fixture.Engine.GetRun(second).Privacy!.Value.Epsilon, 1e-9);
        var perVersion = fixture.Engine.PrivacyByVersion(second);
        Assert.Equal(Epsilon(3), Assert.Single(perVersion).Epsilon, 1e-9);
        fixture.Engine.SubmitUpdate(null, fixture.Update(second, "a", 0.01f));
        Assert.Equal([Epsilon(3), Epsilon(4)], fixture.Engine.PrivacyByVersion(second).Select(p => Math.Round(p.Epsilon, 9)), new ToleranceComparer(1e-8));
    }

    [Fact]
    public void Poll_TargetAlreadySpentByTheComposedRun_RunCompletesBeforeAnyRound()
    {
        using var fixture = new EngineFixture(pipelines: Pipelines);
        var first = CompletedPrivateRun(fixture, rounds: 2);
        var config = PrivateConfig(rounds: 3, $"\"composeWith\": [\"{first}\"]").Replace("\"noiseMultiplier\": 2", $"\"targetEpsilon\": {(Epsilon(2) + 0.01).ToString(System.Globalization.CultureInfo.InvariantCulture)}", StringComparison.Ordinal);
        var second = fixture.StartRun(config, "a");

        var summary = fixture.Engine.GetRun(second);
        Assert.Equal((RunStatus.Completed, 0L), (summary.Status, summary.ModelVersion));
        Assert.StartsWith("privacy budget: one more round would spend ε = ", summary.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run-404", "no run 'run-404' on this coordinator")]
    [InlineData("PLAIN", "is not private")]
    [InlineData("RUNNING", "is still running")]
    public void CreateRun_ComposedWithAnUnusableRun_ErrorNamesComposeWith(string name, string expected)
    {
        using var fixture = new EngineFixture(pipelines: Pipelines);
        var plain = fixture.StartRun(TestSpecs.RunConfig(minClients: 1, rounds: 1), "a");
        var running = fixture.StartRun(PrivateConfig(rounds: 5), "a");
        name = name switch { "PLAIN" => plain, "RUNNING" => running, _ => name };

        var e = Assert.Throws<RunConfigException>(() => fixture.Engine.CreateRun(RunConfig.FromJson(PrivateConfig(rounds: 2, $"\"composeWith\": [\"{name}\"]"))));
        Assert.Equal("privacy.composeWith", e.Key);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"composeWith\": [\"run-1\", \"run-1\"]", "twice")]
    [InlineData("\"composeWith\": [\"\"]", "1 to 128 characters")]
    [InlineData("\"composeWith\": [\"r1\",\"r2\",\"r3\",\"r4\",\"r5\",\"r6\",\"r7\",\"r8\",\"r9\",\"r10\",\"r11\",\"r12\",\"r13\",\"r14\",\"r15\",\"r16\",\"r17\"]", "at most 16")]
    public void FromJson_BadComposeWith_ErrorNamesTheKey(string extra, string expected)
    {
        var e = Assert.Throws<RunConfigException>(() => RunConfig.FromJson(PrivateConfig(rounds: 2, extra)));
        Assert.Equal("privacy.composeWith", e.Key);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Restore_ComposedRunAtVersionZeroAndOne_ReportsTheSameEpsilon()
    {
        using var database = new TempDatabase();
        string second;
        double atZero;
        using (var sqlite = new SqliteStore(database.Path))
        {
            using var fixture = new EngineFixture(pipelines: Pipelines, sqlite: sqlite);
            var first = CompletedPrivateRun(fixture, rounds: 2);
            second = fixture.StartRun(PrivateConfig(rounds: 3, $"\"composeWith\": [\"{first}\"]"), "a");
            atZero = fixture.Engine.GetRun(second).Privacy!.Value.Epsilon;
        }

        // Version 0 stores no ledger: the restored run composes with the first run again.
        double atOne;
        using (var sqlite = new SqliteStore(database.Path))
        {
            using var fixture = new EngineFixture(pipelines: Pipelines, sqlite: sqlite);
            fixture.Engine.Restore();
            Assert.Equal(atZero, fixture.Engine.GetRun(second).Privacy!.Value.Epsilon, 1e-12);
            fixture.Engine.PollAssignment("a", second);
            fixture.Engine.SubmitUpdate(null, fixture.Update(second, "a", 0.01f));
            atOne = fixture.Engine.GetRun(second).Privacy!.Value.Epsilon;
            Assert.Equal(Epsilon(3), atOne, 1e-9);
        }

        // Version 1 stores the ledger, the first run's spending in it.
        using (var sqlite = new SqliteStore(database.Path))
        {
            using var fixture = new EngineFixture(pipelines: Pipelines, sqlite: sqlite);
            fixture.Engine.Restore();
            Assert.Equal(atOne, fixture.Engine.GetRun(second).Privacy!.Value.Epsilon, 1e-12);
            Assert.Equal(atOne, Assert.Single(fixture.Engine.PrivacyByVersion(second)).Epsilon, 1e-12);
        }
    }

    private static double Epsilon(int rounds) => RdpAccountant.Epsilon(1, 2, rounds, 1e-5).Epsilon;

    private static string CompletedPrivateRun(EngineFixture fixture, int rounds)
    {
        var run = fixture.StartRun(PrivateConfig(rounds), "a");
        for (var round = 0; round < rounds; round++)
        {
            fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.01f));
        }

        Assert.Equal(RunStatus.Completed, fixture.Engine.GetRun(run).Status);
        return run;
    }

    private static string PrivateConfig(int rounds, string? extra = null) =>
        TestSpecs.RunConfig(minClients: 1, rounds: rounds).Replace(
            "\"strategy\": { \"name\": \"fedavg\" }",
            "\"strategy\": { \"name\": \"fedavg\" },\n  \"privacy\": { \"noiseMultiplier\": 2, \"delta\": 1e-5, \"sampleRate\": 1, \"expectedClients\": 1, \"clipNorm\": 1"
                + (extra is null ? "" : ", " + extra) + " }",
            StringComparison.Ordinal);

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
