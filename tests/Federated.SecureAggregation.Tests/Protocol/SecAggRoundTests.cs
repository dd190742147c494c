using Federated.SecureAggregation.Protocol;
using Federated.SecureAggregation.Quantization;

namespace Federated.SecureAggregation.Tests.Protocol;

/// <summary>Whole rounds, n = 10 and t = 6 unless said otherwise: the unmasked sum is exact, drop-outs included.</summary>
public sealed class SecAggRoundTests
{
    private static readonly int[] All = Enumerable.Range(1, 10).ToArray();

    [Fact]
    public void Finish_NoDropOut_SumEqualsExactSumOfInputs()
    {
        using var round = new SimulatedRound(parties: 10, threshold: 6, vectorLength: 1000);

        var result = round.Run();

        Assert.Equal(round.PlainSum(All), result.Sum);
        Assert.Equal(All, result.Contributors);
        Assert.Equal(SecAggServerPhase.Finished, round.Server.Phase);
    }

    [Fact]
    public void Finish_QuantisedUpdates_DecodesToFloatSumWithinBound()
    {
        const int length = 257;
        using var round = new SimulatedRound(parties: 10, threshold: 6, vectorLength: length);
        var quantizer = new FixedPointQuantizer(clipNorm: 1.0, maxSummands: 10);
        var random = new Random(11);
        var updates = All.ToDictionary(p => p, _ => Clip(Enumerable.Range(0, length).Select(_ => (float)random.NextDouble() - 0.5f).ToArray()));
        foreach (var p in All)
        {
            quantizer.Quantize(updates[p], round.Inputs[p]);
        }

        var result = round.Run();
        var decoded = new float[length];
        quantizer.Dequantize(result.Sum, decoded);

        for (var i = 0; i < length; i++)
        {
            var exact = All.Sum(p => (double)updates[p][i]);
            Assert.InRange(Math.Abs(decoded[i] - exact), 0, quantizer.MaxSumError + 1e-6);
        }
    }

    [Fact]
    public void Finish_DropOutsAfterKeySharing_SumOfSurvivorsExactly()
    {
        using var round = new SimulatedRound(parties: 10, threshold: 6, vectorLength: 500, seed: 2);

        var result = round.Run(afterSharing: [3, 8]);

        var survivors = All.Except([3, 8]).ToArray();
        Assert.Equal(survivors, result.Contributors);
        Assert.Equal(round.PlainSum(survivors), result.Sum);
    }

    [Fact]
    public void Finish_DropOutsAfterMaskedInput_SumOfAllWhoSentInputExactly()
    {
        using var round = new SimulatedRound(parties: 10, threshold: 6, vectorLength: 500, seed: 3);

        var result = round.Run(afterMasking: [1, 5, 10]);

        Assert.Equal(All, result.Contributors);
        Assert.Equal(round.PlainSum(All), result.Sum);
    }

    [Fact]
    public void RequestFor_DropOutsAfterSharing_NeverAsksForBothSecretsOfAParty()
    {
        using var round = new SimulatedRound(parties: 10, threshold: 6, vectorLength: 10, seed: 6);

        round.Run(afterSharing: [2, 9]);

        // Across every request of the round, not only within one: a party is either a survivor or dropped.
        var survivors = round.Requests.SelectMany(r => r.Survivors).ToHashSet();
        var dropped = round.Requests.SelectMany(r => r.Dropped).ToHashSet();
        Assert.Empty(survivors.Intersect(dropped));
        Assert.Equal([2, 9], dropped.Order());
        Assert.Equal(8, round.Requests.Count);
    }

    [Fact]
    public void Finish_DropOutsAtEveryPhase_SumOfSurvivorsExactly()
    {
        using var round = new SimulatedRound(parties: 10, threshold: 6, vectorLength: 300, seed: 4);

        var result = round.Run(afterKeys: [2], afterSharing: [7], afterMasking: [9]);

        var contributors = All.Except([2, 7]).ToArray();
        Assert.Equal(contributors, result.Contributors);
        Assert.Equal(round.PlainSum(contributors), result.Sum);
    }

    [Fact]
    public void CloseKeyAdvertisement_FewerThanThreshold_AbortsCleanly()
    {
        using var round = new SimulatedRound(parties: 10, threshold: 6, vectorLength: 10);

        var error = Assert.Throws<SecureAggregationAbortedException>(() => round.Run(silent: [1, 2, 3, 4, 5]));

        Assert.Contains("only 5 parties advertised keys", error.Message, StringComparison.Ordinal);
        Assert.Equal(SecAggServerPhase.Aborted, round.Server.Phase);
        Assert.Throws<SecureAggregationException>(() => round.Server.DirectoryFor(6));
    }

    [Fact]
    public void CloseMaskedInput_FewerThanThresholdSurvivors_AbortsBeforeAskingForShares()
    {
        using var round = new SimulatedRound(parties: 10, threshold: 6, vectorLength: 10);

        var error = Assert.Throws<SecureAggregationAbortedException>(() => round.Run(afterSharing: [1, 2, 3, 4, 5]));

        Assert.Contains("fewer than the threshold 6", error.Message, StringComparison.Ordinal);
        Assert.Equal(SecAggServerPhase.Aborted, round.Server.Phase);
        // No unmask request can be made any more: nobody is asked for a share.
        Assert.Throws<SecureAggregationException>(() => round.Server.RequestFor(6));
    }

    [Fact]
    public void Finish_FewerThanThresholdResponses_AbortsCleanly()
    {
        using var round = new SimulatedRound(parties: 10, threshold: 6, vectorLength: 10);

        var error = Assert.Throws<SecureAggregationAbortedException>(() => round.Run(afterMasking: [1, 2, 3, 4, 5]));

        Assert.Contains("fewer than the threshold 6", error.Message, StringComparison.Ordinal);
        Assert.Equal(SecAggServerPhase.Aborted, round.Server.Phase);
    }

    [Theory]
    [InlineData(4, 3)]
    [InlineData(6, 4)]
    public void Finish_NeighbourGraphWithDropOuts_SumOfSurvivorsExactly(int neighbours, int threshold)
    {
        using var round = new SimulatedRound(parties: 20, threshold: threshold, vectorLength: 400, neighbours: neighbours, seed: 5);

        var result = round.Run(afterSharing: [4], afterMasking: [12]);

        var contributors = Enumerable.Range(1, 20).Except([4]).ToArray();
        Assert.Equal(contributors, result.Contributors);
        Assert.Equal(round.PlainSum(contributors), result.Sum);
    }

    [Fact]
    public void NeighbourGraph_HararyOverPermutation_IsKRegularSymmetricAndSeedDependent()
    {
        using var first = new SimulatedRound(parties: 30, threshold: 3, vectorLength: 1, neighbours: 4, seed: 1);
        using var second = new SimulatedRound(parties: 30, threshold: 3, vectorLength: 1, neighbours: 4, seed: 2);
        var graph = NeighbourGraph.Create(first.Setup);
        var other = NeighbourGraph.Create(second.Setup);

        foreach (var p in first.Setup.Parties)
        {
            Assert.Equal(4, graph.NeighboursOf(p).Count);
            Assert.DoesNotContain(p, graph.NeighboursOf(p));
            Assert.All(graph.NeighboursOf(p), q => Assert.True(graph.AreNeighbours(q, p)));
        }

        Assert.Contains(first.Setup.Parties, p => !graph.NeighboursOf(p).SequenceEqual(other.NeighboursOf(p)));
    }

    private static float[] Clip(float[] update)
    {
        var norm = Math.Sqrt(update.Sum(v => (double)v * v));
        return norm <= 1 ? update : update.Select(v => (float)(v / norm)).ToArray();
    }
}
