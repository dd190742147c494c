using Federated.Coordinator.Aggregation.Privacy;
using Federated.Coordinator.Privacy;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Rounds.Pipeline;
using Federated.Coordinator.Runs;
using Federated.Coordinator.Tests.Rounds;

namespace Federated.Coordinator.Tests.Privacy;

/// <summary>
/// A private run's rounds: nodes drawn by Poisson sampling at q (the sample the accountant assumes), a round that drew
/// nobody released at once as noise alone and counted by the ledger, and no quorum: a round commits what its sample sent.
/// </summary>
public sealed class PrivateRoundTests
{
    private static readonly byte[] Key = [5];
    private static readonly RoundPipelineFactory Pipelines = new(privacyNoise: PrivacyNoiseSource.Keyed(Key));
    private static readonly string[] Nodes = ["a", "b", "c"];

    [Fact]
    public void Rounds_PoissonAtLowRate_SelectionIsTheSamplersAndEmptyRoundsCommitAtOnceAndCount()
    {
        const double q = 0.3;
        const int rounds = 12;
        using var fixture = new EngineFixture(pipelines: Pipelines);
        var run = fixture.StartRun(PrivateConfig(q, rounds), Nodes);
        for (var pass = 0; pass < 100 && fixture.Engine.GetRun(run).Status == RunStatus.Running; pass++)
        {
            foreach (var node in Nodes)
            {
                if (fixture.Engine.PollAssignment(node, run).Assignment is not null)
                {
                    fixture.Engine.SubmitUpdate(null, fixture.Update(run, node, 0.01f));
                }
            }
        }

        var summary = fixture.Engine.GetRun(run);
        Assert.Equal((RunStatus.Completed, (long)rounds), (summary.Status, summary.ModelVersion));

        // The engine drew exactly what the sampler of the same key draws for each round number, and no round failed.
        var expected = new PoissonSampler(q, Nodes.Length, PrivacyNoiseSource.Keyed(Key).SamplingForRun(7));
        var stored = fixture.Sqlite.LoadRounds(run);
        Assert.Equal(rounds, stored.Count);
        foreach (var round in stored)
        {
            Assert.Equal(RoundState.Committed, round.State);
            Assert.Equal(expected.Sample(Nodes, round.Round), round.Selected);
            Assert.Equal(round.Selected.Count, round.Updates);
        }

        // This key draws both kinds of round, so both paths ran.
        Assert.Contains(stored, r => r.Selected.Count == 0);
        Assert.Contains(stored, r => r.Selected.Count > 0);

        // Every round, empty ones included, was composed once.
        var plan = PrivacyPlan.From(RunConfig.FromJson(PrivateConfig(q, rounds)))!;
        Assert.Equal(RdpAccountant.Epsilon(q, plan.NoiseMultiplier, rounds, plan.Delta).Epsilon, summary.Privacy!.Value.Epsilon, 1e-12);
    }

    [Fact]
    public void Rounds_EmptySample_ReleasesNoiseOnlyVersion()
    {
        using var fixture = new EngineFixture(pipelines: Pipelines);
        var run = fixture.StartRun(PrivateConfig(0.3, 12), Nodes);
        var empty = fixture.Sqlite.LoadRounds(run).FirstOrDefault(r => r.Selected.Count == 0 && r.State == RoundState.Committed);
        for (var pass = 0; empty is null && pass < 50; pass++)
        {
            foreach (var node in Nodes)
            {
                if (fixture.Engine.PollAssignment(node, run).Assignment is not null)
                {
                    fixture.Engine.SubmitUpdate(null, fixture.Update(run, node, 0.01f));
                }
            }

            empty = fixture.Sqlite.LoadRounds(run).FirstOrDefault(r => r.Selected.Count == 0 && r.State == RoundState.Committed);
        }

        Assert.NotNull(empty);
        var before = fixture.Engine.GetModel(run, empty.BaseVersion);
        var after = fixture.Engine.GetModel(run, empty.ResultVersion!.Value);
        var shared = before.Layout.Tensors.Where(t => t.Scope == Model.Spec.ParameterScope.Shared).ToList();
        var changed = shared.Sum(t => Enumerable.Range(t.Offset, t.Length).Count(i => before.Values[i] != after.Values[i]));
        Assert.Equal(shared.Sum(t => t.Length), changed);
    }

    [Fact]
    public async Task WaitForAssignmentAsync_EverySampleEmpty_LongPollCommitsTheRoundsAndSeesTheRunEnd()
    {
        using var fixture = new EngineFixture(pipelines: Pipelines);
        var run = fixture.Engine.CreateRun(RunConfig.FromJson(PrivateConfig(1e-6, 3))).RunId;
        foreach (var node in Nodes)
        {
            fixture.Directory.IssueToken(node);
            fixture.Engine.Join(node, run);
        }

        // Two polls leave the run one node short of minClients; the third, a long poll, starts round 1. Every sample
        // draws nobody, so that poll commits each round in turn (awaiting the writer lock, not blocking on it).
        fixture.Engine.PollAssignment(Nodes[0], run);
        fixture.Engine.PollAssignment(Nodes[1], run);
        var poll = await fixture.Engine.WaitForAssignmentAsync(Nodes[2], run, TimeSpan.FromSeconds(5));

        Assert.True(poll.RunEnded);
        Assert.Equal(RunStatus.Completed, fixture.Engine.GetRun(run).Status);
        var rounds = fixture.Sqlite.LoadRounds(run);
        Assert.Equal(3, rounds.Count);
        Assert.All(rounds, r => Assert.Equal((RoundState.Committed, 0), (r.State, r.Selected.Count)));
    }

    [Fact]
    public void Tick_SampledNodeNeverSends_RoundCommitsAtItsDeadlineWithTheOthers()
    {
        using var fixture = new EngineFixture(pipelines: Pipelines);
        var run = fixture.StartRun(PrivateConfig(1, 3), Nodes);
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "a", 0.01f));
        fixture.Engine.SubmitUpdate(null, fixture.Update(run, "b", 0.01f));
        fixture.Time.Advance(TimeSpan.FromSeconds(61));
        fixture.Engine.Tick();

        var round = fixture.Sqlite.LoadRounds(run).Single(r => r.Round == 1);
        Assert.Equal((RoundState.Committed, 2, 1L), (round.State, round.Updates, round.ResultVersion));
        Assert.Equal(RunStatus.Running, fixture.Engine.GetRun(run).Status);
    }

    [Theory]
    [InlineData("\"fractionPerRound\": 0.5,", "fractionPerRound")]
    [InlineData("\"quorum\": 2,", "quorum")]
    public void FromJson_PrivacyWithFixedSelectionOrQuorum_ErrorNamesTheKey(string extra, string key)
    {
        var json = PrivateConfig(0.5, 3).Replace("\"rounds\":", extra + " \"rounds\":", StringComparison.Ordinal);
        var e = Assert.Throws<RunConfigException>(() => RunConfig.FromJson(json));
        Assert.Equal(key, e.Key);
        Assert.Contains("Poisson", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EffectiveQuorum_PrivateRun_ZeroAndPlainRunMinClients()
    {
        Assert.Equal(0, RunConfig.FromJson(PrivateConfig(0.5, 3)).EffectiveQuorum);
        Assert.Equal(3, RunConfig.FromJson(TestSpecs.RunConfig()).EffectiveQuorum);
    }

    private static string PrivateConfig(double q, int rounds) =>
        TestSpecs.RunConfig(rounds: rounds, minClients: 3).Replace(
            "\"strategy\": { \"name\": \"fedavg\" }",
            "\"strategy\": { \"name\": \"fedavg\" },\n" + string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $$"""  "privacy": { "noiseMultiplier": 1, "delta": 1e-5, "sampleRate": {{q}}, "expectedClients": 1, "clipNorm": 1 }"""),
            StringComparison.Ordinal);
}
