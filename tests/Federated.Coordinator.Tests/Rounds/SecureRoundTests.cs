using Federated.Coordinator.Rounds;
using Federated.SecureAggregation.Protocol;

namespace Federated.Coordinator.Tests.Rounds;

/// <summary>
/// Secure-aggregation rounds through the real engine with fake nodes on the library's client: the committed version is
/// FedAvg's weighted mean of the surviving clipped updates within the quantiser's bound, at any drop-out phase.
/// </summary>
public sealed class SecureRoundTests
{
    private const int Nodes = 10;

    public static TheoryData<double, int> DropOuts => new()
    {
        { 0.0, 0 },
        { 0.1, 0 }, { 0.1, 1 }, { 0.1, 2 }, { 0.1, 3 },
        { 0.3, 0 }, { 0.3, 1 }, { 0.3, 2 }, { 0.3, 3 },
    };

    internal static string SecureConfig(int minClients = Nodes, string secure = "{}", int maxRetries = 1) =>
        TestSpecs.RunConfig(minClients: minClients, quorum: Math.Min(2, minClients), clipNorm: SecureRoundHarness.ClipNorm, maxRetries: maxRetries)
            .Replace("\"strategy\": { \"name\": \"fedavg\" }", "\"strategy\": { \"name\": \"fedavg\" }, \"secureAggregation\": " + secure, StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(DropOuts))]
    public void SecureRound_DropOutsAtAPhase_CommitsWeightedMeanOfSurvivorsWithinQuantisationBound(double fraction, int phase)
    {
        using var fixture = new EngineFixture();
        var nodes = Enumerable.Range(0, Nodes).Select(i => $"node-{i}").ToArray();
        var run = fixture.StartRun(SecureConfig(secure: """{ "maxWeight": 400 }"""), nodes);
        using var round = new SecureRoundHarness(fixture, run, nodes, seed: 11 + phase);
        var vanishing = nodes.Reverse().Take((int)Math.Round(fraction * Nodes)).ToDictionary(n => n, _ => phase, StringComparer.Ordinal);

        round.Play(vanishing);

        // A node that vanished after its masked input still counts: its self-mask is removed with the others' shares.
        var contributors = nodes.Where(n => !vanishing.ContainsKey(n) || phase == 3).ToArray();
        var expected = round.ExpectedModel(contributors, out _);
        var committed = fixture.Engine.GetModel(run, 1);

        // Decoding divides a sum whose every element is off by at most ε = n / (2·scale) by a weight sum Σa off by as much,
        // so the mean is off by at most ε (1 + |mean|) / (Σa − ε); Σa ≥ the smallest weight a node of this test can bring
        // (it has ≥ 10 of W = 400 examples; a click head may have none, then its rows are left out of Σa).
        var epsilon = round.Assignments[nodes[0]].CreateQuantizer().MaxSumError;
        var least = 10.0 / 400;
        for (var i = 0; i < expected.Values.Length; i++)
        {
            var mean = expected.Values[i] - fixture.Engine.GetModel(run, 0).Values[i];
            var bound = (epsilon * (1 + Math.Abs(mean)) / (least - epsilon)) + 1e-6;
            Assert.True(Math.Abs(committed.Values[i] - expected.Values[i]) <= bound, $"parameter {i}: {committed.Values[i]} vs {expected.Values[i]} (bound {bound})");
        }

        Assert.Equal(contributors.Length, fixture.Engine.ListRounds(run).Single(r => r.Round == round.Round).Updates);
    }

    [Fact]
    public void SecureRound_FewerThanThresholdRemain_FailsCleanlyAndIsRetried()
    {
        using var fixture = new EngineFixture();
        var nodes = Enumerable.Range(0, 5).Select(i => $"node-{i}").ToArray();
        var run = fixture.StartRun(SecureConfig(minClients: 5, secure: """{ "threshold": 4 }""", maxRetries: 2), nodes);
        using (var round = new SecureRoundHarness(fixture, run, nodes, seed: 3))
        {
            // Two of five share no keys: three remain, fewer than t = 4.
            round.Play(new Dictionary<string, int> { ["node-3"] = 1, ["node-4"] = 1 });
            Assert.Equal(SecAggPhaseKind.Failed, fixture.Engine.PollSecureAggregation("node-0", run, round.Round).Kind);
        }

        var first = fixture.Engine.ListRounds(run).Single(r => r.Round == 1);
        Assert.Equal(RoundState.Failed, first.State);
        Assert.Equal(RunStatus.Running, fixture.Engine.GetRun(run).Status);
        Assert.Equal(0, fixture.Engine.GetRun(run).ModelVersion);

        // Retried: every node polls again, a fresh round opens with fresh keys, and it commits.
        foreach (var node in nodes)
        {
            fixture.Engine.PollAssignment(node, run);
        }

        using var retry = new SecureRoundHarness(fixture, run, nodes, seed: 4);
        Assert.Equal(first.Round + 1, retry.Round);
        retry.Play();
        Assert.Equal(1, fixture.Engine.GetRun(run).ModelVersion);
    }

    [Fact]
    public void SecureRound_MaskedInputs_AreNotTheNodesUpdatesAndPlainUpdatesAreRefused()
    {
        using var fixture = new EngineFixture();
        var nodes = Enumerable.Range(0, 4).Select(i => $"node-{i}").ToArray();
        var run = fixture.StartRun(SecureConfig(minClients: 4), nodes);
        using var round = new SecureRoundHarness(fixture, run, nodes, seed: 5);

        // The only route for an update is masked: a plain one is refused before anything of it is kept.
        var plain = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitUpdate("node-0", new NodeUpdate
        {
            RunId = run,
            Round = round.Round,
            BaseVersion = round.BaseVersion,
            NodeId = "node-0",
            UploadId = "plain",
            Examples = 10,
            Delta = round.Deltas["node-0"],
        }));
        Assert.Equal(Rejection.SecureAggregationMismatch, plain.Reason);

        round.Play();

        // What reached the engine for each node differs from its quantised update almost everywhere.
        foreach (var (input, masked) in round.Inputs.Values)
        {
            var same = input.Zip(masked).Count(p => p.First == p.Second);
            Assert.True(same <= input.Length / 100 + 1, $"{same} of {input.Length} masked elements equal the input");
        }

        Assert.Equal(1, fixture.Engine.GetRun(run).ModelVersion);
    }

    [Fact]
    public void SubmitMaskedInput_WrongPartyOrEarlyPhase_IsRefusedAndChangesNothing()
    {
        using var fixture = new EngineFixture();
        var nodes = Enumerable.Range(0, 3).Select(i => $"node-{i}").ToArray();
        var run = fixture.StartRun(SecureConfig(minClients: 3), nodes);
        using var round = new SecureRoundHarness(fixture, run, nodes, seed: 6);
        var party = round.Assignments["node-0"].Party;

        var early = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitMaskedInput("node-0", "node-0", run, round.Round, new(party, new uint[round.Assignments["node-0"].Setup.VectorLength])));
        var wrongParty = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitKeyAdvertisement("node-0", "node-0", run, round.Round, new(party % 3 + 1, new byte[65], new byte[65])));
        var badKey = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitKeyAdvertisement("node-0", "node-0", run, round.Round, new(party, new byte[65], new byte[65])));
        var otherNode = Assert.Throws<RejectionException>(() => fixture.Engine.SubmitKeyAdvertisement("node-1", "node-0", run, round.Round, new(party, new byte[65], new byte[65])));

        Assert.Equal(Rejection.SecureAggregationRefused, early.Reason);
        Assert.Contains("not open", early.Message, StringComparison.Ordinal);
        Assert.Equal(Rejection.SecureAggregationRefused, wrongParty.Reason);
        Assert.Equal(Rejection.SecureAggregationRefused, badKey.Reason);
        Assert.Contains("P-256", badKey.Message, StringComparison.Ordinal);
        Assert.Equal(Rejection.NodeMismatch, otherNode.Reason);

        // Nothing changed: the round still runs to its commit.
        round.Play();
        Assert.Equal(1, fixture.Engine.GetRun(run).ModelVersion);
    }

    [Fact]
    public void Restore_SecureRoundOpenAtRestart_ReopensFromTheFirstPhaseAndCommits()
    {
        using var database = new Storage.TempDatabase();
        var nodes = Enumerable.Range(0, 3).Select(i => $"node-{i}").ToArray();
        string run;
        long round;
        using (var sqlite = new Federated.Coordinator.Storage.SqliteStore(database.Path))
        {
            using var fixture = new EngineFixture(sqlite: sqlite);
            run = fixture.StartRun(SecureConfig(minClients: 3), nodes);
            using var before = new SecureRoundHarness(fixture, run, nodes, seed: 8);
            round = before.Round;

            // Every node advertised: the round waits for shared keys when the coordinator goes down.
            before.AdvertiseKeys();
            Assert.Equal(SecAggPhaseKind.KeyDirectory, fixture.Engine.PollSecureAggregation("node-0", run, round).Kind);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using var reopened = new Federated.Coordinator.Storage.SqliteStore(database.Path);
        using var after = new EngineFixture(sqlite: reopened);
        after.Engine.Restore();

        // The same round, offered again from its first phase (the protocol state was in memory): the nodes start over.
        Assert.Equal(SecAggPhaseKind.Wait, after.Engine.PollSecureAggregation("node-0", run, round).Kind);
        using var again = new SecureRoundHarness(after, run, nodes, seed: 9);
        Assert.Equal(round, again.Round);
        again.Play();

        Assert.Equal(1, after.Engine.GetRun(run).ModelVersion);
    }
}
