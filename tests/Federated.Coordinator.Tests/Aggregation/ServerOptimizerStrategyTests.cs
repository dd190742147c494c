using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;
using Federated.Model.Updates;
using static Federated.Coordinator.Tests.Aggregation.ServerOptimizerFixture;

namespace Federated.Coordinator.Tests.Aggregation;

public sealed class ServerOptimizerStrategyTests
{
    public static TheoryData<string, double, double, double, double> Optimizers => new()
    {
        // name, η, β₁ (fedavgm: β), β₂, τ — η large enough that every step shows in the result.
        { "fedavgm", 0.7, 0.9, 0, 0 },
        { "fedadagrad", 0.05, 0.9, 0, 1e-3 },
        { "fedadam", 0.05, 0.9, 0.99, 1e-3 },
        { "fedyogi", 0.05, 0.8, 0.95, 1e-2 },
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Finish_ThreeRounds_MatchesThePaperFormulasComputedInDouble(string name, double eta, double beta1, double beta2, double tau)
    {
        var model = CompileModel();
        var settings = Settings(name, eta, beta1, beta2, tau);
        var start = model.InitializeShared(5);
        var reference = new Reference(model, settings, start);

        var results = Run(new ServerOptimizerStrategy(model, settings), start, 3);

        for (var round = 0; round < 3; round++)
        {
            reference.Round(model.SharedLayout, Updates(model.SharedLayout, round));
            var actual = results[round].Values;
            for (var j = 0; j < actual.Length; j++)
            {
                var expected = reference.X[j];
                Assert.True(Math.Abs(expected - actual[j]) <= 1e-5 * (1 + Math.Abs(expected)), $"round {round + 1}, parameter {j}: {actual[j]} vs {expected}");
            }
        }

        Assert.NotEqual(Bits(results[1].Values), Bits(results[2].Values));
    }

    [Fact]
    public void Finish_OneParameterOneUpdate_EqualsTheHandComputedFedAdamStep()
    {
        // Δ = 0.5 (one update of weight 10 on the click tower's bias): m = 0.1·0.5 = 0.05;
        // v = 0.99·τ² + 0.01·0.25 = 0.00250099; √v = 0.0500099; θ₁ = θ₀ + 0.1 · 0.05 / (0.0500099 + 0.001) = θ₀ + 0.0980202
        var model = CompileModel();
        var settings = ServerOptimizerSettings.From(ServerOptimizerKind.FedAdam, new Dictionary<string, double>());
        var start = model.InitializeShared(5);
        var layout = model.SharedLayout;
        var tensors = layout.Tensors.Select(t => new TensorDelta(t.Name, new float[t.Name == "emb/item" ? 0 : t.Length], t.Name == "emb/item" ? [] : null)).ToList();
        var bias = layout.Tensors.Single(t => t.Name.StartsWith("tower/click/", StringComparison.Ordinal) && t.Length == 1);
        tensors[layout.Tensors.ToList().IndexOf(bias)].Values[0] = 0.5f;
        var aggregator = new ServerOptimizerStrategy(model, settings).BeginRound(start);
        aggregator.Add(new ModelDelta(tensors), Weights[0]);

        var result = aggregator.Finish();

        var step = 0.1 * 0.05 / (Math.Sqrt((0.99 * 1e-6) + (0.01 * 0.25)) + 1e-3);
        Assert.Equal(0.0980202, step, 6);
        Assert.Equal(start.Values[bias.Offset] + step, result.Values[bias.Offset], 5);

        // Every other parameter had Δ = 0 and m = 0: no step.
        var others = Enumerable.Range(0, start.Values.Length).Where(j => j != bias.Offset);
        Assert.All(others, j => Assert.Equal(start.Values[j], result.Values[j]));
    }

    [Fact]
    public void Finish_RowNotSent_KeepsItsValueAndItsMomentsUntilSentAgain()
    {
        var model = CompileModel();
        var settings = Settings("fedadam", 0.05, 0.9, 0.99, 1e-3);
        var start = model.InitializeShared(5);
        var item = model.SharedLayout["emb/item"];

        var results = Run(new ServerOptimizerStrategy(model, settings), start, 3);

        // Rows 0, 2 and 4 nobody sent in rounds 1 and 2; row 1 was sent in round 1 only: none of them moved in round 2,
        // although row 1 has a non-zero first moment (a dense optimiser would have moved it).
        foreach (var row in new[] { 0, 2, 4 })
        {
            Assert.Equal(Bits(Row(start, item, row)), Bits(Row(results[1], item, row)));
        }

        Assert.NotEqual(Bits(Row(start, item, 1)), Bits(Row(results[0], item, 1)));
        Assert.Equal(Bits(Row(results[0], item, 1)), Bits(Row(results[1], item, 1)));

        // Round 3 steps row 1 with the moments of round 1 (the reference keeps them lazily too).
        var reference = new Reference(model, settings, start);
        for (var round = 0; round < 3; round++)
        {
            reference.Round(model.SharedLayout, Updates(model.SharedLayout, round));
        }

        for (var c = 0; c < item.Columns; c++)
        {
            var j = item.Offset + item.Columns + c;
            Assert.Equal(reference.X[j], results[2].Values[j], 5);
        }
    }

    [Fact]
    public void Finish_FedAvgMWithoutMomentum_EqualsFedAvgWithTheSameServerLearningRate()
    {
        // β = 0 makes FedAvgM plain FedAvg: the pseudo-gradient is FedAvg's weighted mean (task and row weights).
        var model = CompileModel();
        var start = model.InitializeShared(5);
        var parameters = new Dictionary<string, double> { ["momentum"] = 0, ["serverLearningRate"] = 0.75 };
        var fedavgm = AggregationStrategies.Create(new StrategySettings { Name = "fedavgm", Parameters = parameters }, model);
        var fedavg = new FedAvgStrategy(model, 0.75);

        var expected = Run(fedavg, start, 3);
        var actual = Run(fedavgm, start, 3);

        for (var round = 0; round < 3; round++)
        {
            for (var j = 0; j < start.Values.Length; j++)
            {
                Assert.Equal(expected[round].Values[j], actual[round].Values[j], 6);
            }
        }
    }

    [Fact]
    public void Finish_TaskTensorWithoutLabelsThisRound_StepsWithZeroDeltaFromItsMomentum()
    {
        var model = CompileModel();
        var settings = Settings("fedavgm", 1, 0.5, 0, 0);
        var start = model.InitializeShared(5);
        var strategy = new ServerOptimizerStrategy(model, settings);
        var first = Run(strategy, start, 1)[0];
        var rating = model.SharedLayout.Tensors.First(t => model.TaskOf(t) == "rating");
        var aggregator = strategy.BeginRound(first);
        foreach (var (delta, _) in Updates(model.SharedLayout, 1))
        {
            // Nobody has rating labels in this round.
            aggregator.Add(delta, new UpdateWeights(5, new Dictionary<string, long> { ["click"] = 5 }));
        }

        var second = aggregator.Finish();

        // m₁ = Δ₁, m₂ = β·m₁ + 0: the rating head moves by η·β·(θ₁ − θ₀) = half its first step.
        for (var j = rating.Offset; j < rating.End; j++)
        {
            Assert.Equal(0.5 * (first.Values[j] - start.Values[j]), second.Values[j] - first.Values[j], 5);
        }
    }

    [Fact]
    public void BeginRound_SameBaseAfterAFinishedRound_StartsFromTheMomentsBeforeIt()
    {
        // A commit that failed: the engine finishes the round again, or a round begins again from the same version.
        var model = CompileModel();
        var strategy = new ServerOptimizerStrategy(model, Settings("fedyogi", 0.05, 0.9, 0.99, 1e-3));
        var start = model.InitializeShared(5);
        var first = Run(strategy, start, 1)[0];

        var again = Run(strategy, start, 1)[0];
        var fresh = Run(new ServerOptimizerStrategy(model, strategy.Settings), start, 1)[0];

        Assert.Equal(Bits(first.Values), Bits(again.Values));
        Assert.Equal(Bits(fresh.Values), Bits(again.Values));
    }

    [Fact]
    public void Finish_CalledTwice_SameResultAndSameState()
    {
        var model = CompileModel();
        var strategy = new ServerOptimizerStrategy(model, Settings("fedadam", 0.05, 0.9, 0.99, 1e-3));
        var aggregator = strategy.BeginRound(model.InitializeShared(5));
        foreach (var (delta, weights) in Updates(model.SharedLayout, 0))
        {
            aggregator.Add(delta, weights);
        }

        var once = aggregator.Finish();
        var stateOnce = strategy.SaveState(aggregator);
        var twice = aggregator.Finish();

        Assert.Equal(Bits(once.Values), Bits(twice.Values));
        Assert.Equal(stateOnce, strategy.SaveState(aggregator));
    }

    [Fact]
    public void Add_AfterTheNextRoundTookTheBuffers_ThrowsInvalidOperationException()
    {
        var model = CompileModel();
        var strategy = new ServerOptimizerStrategy(model, Settings("fedadam", 0.05, 0.9, 0.99, 1e-3));
        var first = strategy.BeginRound(model.InitializeShared(5));
        var (delta, weights) = Updates(model.SharedLayout, 0)[0];
        first.Add(delta, weights);
        strategy.BeginRound(first.Finish());

        Assert.Throws<InvalidOperationException>(() => first.Add(delta, weights));
        Assert.Throws<InvalidOperationException>(first.Finish);
        Assert.Throws<InvalidOperationException>(() => strategy.SaveState(first));
    }

    internal static ServerOptimizerSettings Settings(string name, double eta, double beta1, double beta2, double tau)
    {
        Assert.True(ServerOptimizerSettings.TryParse(name, out var kind));
        var parameters = new Dictionary<string, double> { ["serverLearningRate"] = eta };
        if (kind == ServerOptimizerKind.FedAvgM)
        {
            parameters["momentum"] = beta1;
        }
        else
        {
            parameters["beta1"] = beta1;
            parameters["tau"] = tau;
            if (kind != ServerOptimizerKind.FedAdagrad)
            {
                parameters["beta2"] = beta2;
            }
        }

        return ServerOptimizerSettings.From(kind, parameters);
    }

    private static float[] Row(ParameterSet set, TensorInfo table, int row) =>
        set.Values.AsSpan(table.Offset + (row * table.Columns), table.Columns).ToArray();
}
