using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Aggregation.Privacy;
using Federated.Coordinator.Privacy;
using Federated.Coordinator.Tests.Aggregation;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Updates;
using MathNet.Numerics.Random;

namespace Federated.Coordinator.Tests.Privacy;

/// <summary>The DP-FedAvg mechanism: clipping, noise once per round on every coordinate, the fixed denominator, adaptive clipping and the ledger.</summary>
public sealed class DpFedAvgStrategyTests
{
    private static readonly CompiledModel Model = ServerOptimizerFixture.CompileModel();
    private static readonly byte[] Key = [1, 2, 3, 4];

    [Fact]
    public void Add_UpdatesOfManyNorms_ReleasedUpdateNeverExceedsClipNorm()
    {
        const double clip = 0.5;
        var strategy = Strategy(Plan(z: 0, clip: clip, expected: 1));
        var random = new Xoshiro256StarStar(11, threadSafe: false);
        var start = new ParameterSet(Model.SharedLayout);
        var clipped = 0;
        for (var trial = 0; trial < 200; trial++)
        {
            // Norms from about 1e-3 to 1e3 around the clip, with row-sparse item rows.
            var scale = Math.Pow(10, (random.NextDouble() * 6) - 3);
            var delta = RandomDelta(random, scale, rows: trial % 3 == 0 ? null : [trial % 6]);
            var norm = UpdateClipping.Norm(delta);
            var round = strategy.BeginRound(start);
            round.Add(delta, Unit);
            var released = round.Finish();
            var releasedNorm = Math.Sqrt(released.Values.Sum(v => (double)v * v));
            Assert.True(releasedNorm <= clip * (1 + 1e-6), $"norm {releasedNorm} > S = {clip} (sent {norm})");
            if (norm > clip)
            {
                clipped++;
                Assert.Equal(clip, releasedNorm, 1e-5);
            }
            else
            {
                Assert.Equal(norm, releasedNorm, norm * 1e-5);
            }
        }

        Assert.InRange(clipped, 50, 150);
    }

    [Fact]
    public void Finish_ZeroUpdatesOverALargeTable_EveryCoordinateNoisedOnceWithDeviationZSOverQN()
    {
        // A 20 000 × 8 item table: the output's variance per coordinate is (z S / qN)² within 2 % (its estimate's own
        // relative error is √(2/n) ≈ 0.35 %), however many updates came, and rows nobody sent are noised too.
        var model = CompiledModel.Compile(new ModelSpec
        {
            Fields = [new FieldSpec { Name = "item", Dim = 8, Buckets = 20_000 }],
            Trunk = new TrunkSpec { Kind = TrunkKind.SharedBottom, Hidden = [2] },
            Tasks = [new TaskSpec { Name = "click", Tower = [2], Scope = ParameterScope.Shared }],
        });
        var layout = model.SharedLayout;
        var plan = Plan(z: 1.2, clip: 2, expected: 4);
        var strategy = new DpFedAvgStrategy(new FedAvgStrategy(model), plan, model.Tasks, PrivacyNoiseSource.Keyed(Key).ForRun(7));
        var round = strategy.BeginRound(new ParameterSet(layout));
        for (var k = 0; k < 3; k++)
        {
            round.Add(new ModelDelta([new TensorDelta("emb/item", new float[8], [k])]), Unit);
        }

        var released = round.Finish();
        var item = released["emb/item"];
        var variance = item.ToArray().Sum(v => (double)v * v) / item.Length;
        var expected = Math.Pow(1.2 * 2 / 4, 2);
        Assert.Equal(1, variance / expected, 0.02);
        for (var r = 0; r < 20_000; r++)
        {
            Assert.Contains(item.Slice(r * 8, 8).ToArray(), v => v != 0);
        }

        // Finishing again releases the same model: the noise is drawn once per round.
        Assert.Equal(released.Values, round.Finish().Values);
    }

    [Fact]
    public void Finish_TwoOfFourExpectedClientsAnswer_SumIsDividedByFourNotTwo()
    {
        var strategy = Strategy(Plan(z: 0, clip: 1e6, expected: 4));
        var random = new Xoshiro256StarStar(3, threadSafe: false);
        var a = RandomDelta(random, 1, rows: [1, 4]);
        var b = RandomDelta(random, 1, rows: null);
        var round = strategy.BeginRound(new ParameterSet(Model.SharedLayout));
        round.Add(a, new UpdateWeights(100, new Dictionary<string, long> { ["click"] = 100 }));
        round.Add(b, new UpdateWeights(1, new Dictionary<string, long>()));
        var released = round.Finish();
        var expected = new double[released.Values.Length];
        foreach (var delta in new[] { a, b })
        {
            foreach (var t in delta.Tensors)
            {
                var tensor = Model.SharedLayout[t.Name];
                for (var i = 0; i < t.Values.Length; i++)
                {
                    var index = t.Rows is { } rows ? tensor.Offset + (rows[i / tensor.Columns] * tensor.Columns) + (i % tensor.Columns) : tensor.Offset + i;
                    expected[index] += t.Values[i];
                }
            }
        }

        // Unweighted (the client is the unit, whatever its examples) and over qN = 4.
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i] / 4, released.Values[i], 1e-6);
        }
    }

    [Theory]
    [InlineData(0.5, 0.2)]
    [InlineData(0.9, 1.0)]
    [InlineData(0.1, 0.05)]
    public void NextClip_AnyNoisedFraction_MovesByAtMostExpEtaTowardsTheQuantile(double quantile, double eta)
    {
        var adaptive = new AdaptiveClippingPlan(quantile, eta, 1);
        foreach (var fraction in new[] { -3.0, 0, 0.05, 0.3, 0.5, 0.7, 0.95, 1, 4 })
        {
            var next = UpdateClipping.NextClip(2, fraction, adaptive);
            Assert.InRange(next / 2, Math.Exp(-eta) * (1 - 1e-12), Math.Exp(eta) * (1 + 1e-12));

            // More updates under S than the quantile asks: S shrinks; fewer: S grows.
            var clamped = Math.Clamp(fraction, 0, 1);
            Assert.Equal(Math.Sign(quantile - clamped), Math.Sign(next - 2));
        }
    }

    [Fact]
    public void Finish_AdaptiveClipping_SmallUpdatesShrinkTheClipLargeOnesGrowIt()
    {
        var plan = Plan(z: 0.5, clip: 1, expected: 3) with { Adaptive = new AdaptiveClippingPlan(0.5, 0.2, 1e-9), UpdateNoiseMultiplier = 0 };
        var strategy = Strategy(plan);
        var random = new Xoshiro256StarStar(5, threadSafe: false);
        var model = new ParameterSet(Model.SharedLayout);
        for (var round = 0; round < 2; round++)
        {
            var aggregator = strategy.BeginRound(model);
            for (var k = 0; k < 3; k++)
            {
                aggregator.Add(RandomDelta(random, 1e-4, rows: null), Unit);
            }

            model = aggregator.Finish();
        }

        _ = strategy.BeginRound(model);
        Assert.Equal(Math.Exp(-0.2 * 0.5 * 2), strategy.Ledger.ClipNorm, 1e-9);

        var large = strategy.BeginRound(model);
        large.Add(RandomDelta(random, 1e3, rows: null), Unit);
        model = large.Finish();
        var clipBefore = strategy.Ledger.ClipNorm;
        _ = strategy.BeginRound(model);
        Assert.Equal(clipBefore * Math.Exp(0.2 * 0.5), strategy.Ledger.ClipNorm, 1e-9);
    }

    [Fact]
    public void BeginRound_SameBaseAgainAfterAnUncommittedFinish_LedgerDoesNotAdvanceTwice()
    {
        var strategy = Strategy(Plan(z: 1, clip: 1, expected: 2));
        var start = new ParameterSet(Model.SharedLayout);
        var first = strategy.BeginRound(start);
        first.Add(RandomDelta(new Xoshiro256StarStar(1, threadSafe: false), 1, null), Unit);
        var result = first.Finish();

        // A retry of the same round (its commit failed): the same base, the ledger before it, the same keyed noise.
        var retry = strategy.BeginRound(start);
        Assert.Equal(0, strategy.Ledger.Steps);
        retry.Add(RandomDelta(new Xoshiro256StarStar(1, threadSafe: false), 1, null), Unit);
        Assert.Equal(result.Values, retry.Finish().Values);
        var next = strategy.BeginRound(retry.Finish());
        Assert.Equal(1, strategy.Ledger.Steps);
        Assert.NotNull(next);
    }

    [Fact]
    public void RestoreState_LedgerAndServerMomentsSavedAfterTwoRounds_ThirdRoundAndEpsilonBitIdentical()
    {
        var plan = Plan(z: 0.8, clip: 0.05, expected: 3) with { Adaptive = new AdaptiveClippingPlan(0.5, 0.2, 0.5), UpdateNoiseMultiplier = 0.9 };
        IAggregationStrategy Create() => new DpFedAvgStrategy(
            new ServerOptimizerStrategy(Model, ServerOptimizerSettings.From(ServerOptimizerKind.FedAdam, new Dictionary<string, double> { ["serverLearningRate"] = 0.05 })),
            plan,
            Model.Tasks,
            PrivacyNoiseSource.Keyed(Key).ForRun(7));

        var uninterrupted = (DpFedAvgStrategy)Create();
        var start = new ParameterSet(Model.SharedLayout);
        var results = ServerOptimizerFixture.Run(uninterrupted, start, 3);

        var first = (DpFedAvgStrategy)Create();
        var two = ServerOptimizerFixture.Run(first, start, 2);
        var round2 = first.BeginRound(two[0]);
        foreach (var (delta, weights) in ServerOptimizerFixture.Updates(Model.SharedLayout, 1))
        {
            round2.Add(delta, weights);
        }

        Assert.Equal(two[1].Values, round2.Finish().Values);
        var state = first.SaveState(round2);

        var restored = (DpFedAvgStrategy)Create();
        restored.RestoreState(state);
        Assert.Equal(2, restored.Ledger.Steps);
        var third = ServerOptimizerFixture.Run(restored, two[1], 1, firstRound: 2)[0];
        Assert.Equal(ServerOptimizerFixture.Bits(results[2].Values), ServerOptimizerFixture.Bits(third.Values));
        _ = uninterrupted.BeginRound(results[2]);
        _ = restored.BeginRound(third);
        Assert.Equal(uninterrupted.Ledger.Spent, restored.Ledger.Spent);
        Assert.Equal(uninterrupted.Ledger.ClipNorm, restored.Ledger.ClipNorm);
        Assert.Equal(RdpAccountant.Epsilon(plan.SampleRate, plan.NoiseMultiplier, 3, plan.Delta), restored.Ledger.Spent);
    }

    [Fact]
    public void RestoreState_LedgerOfAnotherNoiseMultiplier_IsRefused()
    {
        var strategy = Strategy(Plan(z: 1, clip: 1, expected: 2));
        var round = strategy.BeginRound(new ParameterSet(Model.SharedLayout));
        round.Finish();
        var state = strategy.SaveState(round);
        var other = Strategy(Plan(z: 2, clip: 1, expected: 2));
        var e = Assert.Throws<InvalidDataException>(() => other.RestoreState(state));
        Assert.Contains("z = 1", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => other.RestoreState(state.AsSpan(0, 20)));
    }

    [Fact]
    public void WouldExceedTarget_CalibratedRun_FalseForEachPlannedRoundThenTrue()
    {
        // z calibrated to ε = 3 over 5 rounds: the 5th round stays within, a 6th would not.
        var plan = Plan(z: 0, clip: 1, expected: 2) with { TargetEpsilon = 3 };
        plan = plan with { NoiseMultiplier = NoiseCalibration.NoiseMultiplierFor(3, plan.Delta, plan.SampleRate, 5).NoiseMultiplier };
        var strategy = Strategy(plan);
        var model = new ParameterSet(Model.SharedLayout);
        for (var round = 1; round <= 6; round++)
        {
            var ledger = round == 1 ? strategy.Ledger : null;
            var aggregator = strategy.BeginRound(model);
            ledger ??= strategy.Ledger;
            var exceeds = strategy.WouldExceedTarget(ledger, out var next);
            Assert.Equal(round == 6, exceeds);
            Assert.Equal(round, ledger.Steps + 1);
            if (round == 6)
            {
                Assert.True(next.Epsilon > 3);
                break;
            }

            model = aggregator.Finish();
            Assert.Equal(round, strategy.LedgerAfter(aggregator).Steps);
        }
    }

    private static readonly UpdateWeights Unit = new(1, new Dictionary<string, long> { ["click"] = 1, ["rating"] = 1 });

    private static PrivacyPlan Plan(double z, double clip, double expected) => new(z, z, 1e-5, 0.1, expected, clip, null);

    private static DpFedAvgStrategy Strategy(PrivacyPlan plan) =>
        new(new FedAvgStrategy(Model), plan, Model.Tasks, PrivacyNoiseSource.Keyed(Key).ForRun(7));

    /// <summary>A delta over every shared tensor, values uniform in ±<paramref name="scale"/>; the item table as <paramref name="rows"/> (null: dense).</summary>
    private static ModelDelta RandomDelta(Xoshiro256StarStar random, double scale, int[]? rows)
    {
        var tensors = new List<TensorDelta>();
        foreach (var tensor in Model.SharedLayout.InScope(ParameterScope.Shared))
        {
            var sparse = tensor.Name == "emb/item" ? rows : null;
            var values = new float[sparse is null ? tensor.Length : sparse.Length * tensor.Columns];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (float)((random.NextDouble() - 0.5) * 2 * scale);
            }

            tensors.Add(new TensorDelta(tensor.Name, values, sparse));
        }

        return new ModelDelta(tensors);
    }
}
