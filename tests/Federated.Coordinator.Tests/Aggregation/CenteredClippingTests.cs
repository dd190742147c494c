using Federated.Coordinator.Aggregation.Robust;
using Federated.Coordinator.Runs;
using static Federated.Coordinator.Tests.Aggregation.RobustTestModel;

namespace Federated.Coordinator.Tests.Aggregation;

/// <summary>Centered clipping on hand-computed vectors (the base model is zero: the result is the step).</summary>
public sealed class CenteredClippingTests
{
    private static readonly float[] Steps = [1, 2, 3, 100];

    [Fact]
    public void Finish_OneIterationFromZero_MeanOfUpdatesClippedToTau()
    {
        // Only the trunk's first value is non-zero, so ‖Δ_i − 0‖ = |Δ_i|: 1, 2, 3 and 100 clipped to τ = 5 → mean 11/4.
        var result = Aggregate(Strategy(5, 1), Steps.Select(v => (TrunkFirst(v), Weights())));

        Assert.Equal(2.75f, Values(result, TrunkTensor)[0], 1e-6f);
        Assert.Equal(0f, Values(result, TrunkTensor)[1]);
    }

    [Fact]
    public void Finish_TwoIterations_SecondStepsFromTheFirstCenter()
    {
        // v₁ = 2.75; Δ − v₁ = −1.75, −0.75, 0.25, 97.25 → the last clipped to 5; mean 2.75/4 = 0.6875; v₂ = 3.4375.
        var result = Aggregate(Strategy(5, 2), Steps.Select(v => (TrunkFirst(v), Weights())));

        Assert.Equal(3.4375f, Values(result, TrunkTensor)[0], 1e-6f);
    }

    [Fact]
    public void Finish_SparseRowsAndTasks_EachCoordinateOverItsCarriers()
    {
        // τ far above every norm: the plain mean over carriers. a = 1 everywhere, item row 0 only, no click labels;
        // b = 3 everywhere, item rows 0 and 3. Trunk (1 + 3)/2 = 2; click: b alone; item row 0: 2, row 3: 3, rows 1–2 unsent.
        var result = Aggregate(Strategy(1000, 1), [(Constant(1, [0]), Weights(click: 0)), (Constant(3, [0, 3]), Weights())]);

        Assert.All(Values(result, TrunkTensor), v => Assert.Equal(2f, v));
        Assert.All(Values(result, ClickTensor), v => Assert.Equal(3f, v));
        Assert.Equal([2f, 2f, 0f, 0f, 0f, 0f, 3f, 3f], Values(result, "emb/item"));
    }

    [Theory]
    [InlineData("", "strategy.parameters.tau", "required")]
    [InlineData("\"tau\": 0", "strategy.parameters.tau", "> 0")]
    [InlineData("\"tau\": 1, \"iters\": 1.5", "strategy.parameters.iters", "integer ≥ 1")]
    [InlineData("\"tau\": 1, \"f\": 1", "strategy.parameters.f", "unknown parameter")]
    public void FromJson_CenteredClippingParameterInvalid_ErrorNamesTheKey(string parameters, string key, string reason)
    {
        var json = TestSpecs.RunConfig(minClients: 3)
            .Replace("\"strategy\": { \"name\": \"fedavg\" }", $"\"strategy\": {{ \"name\": \"centered-clipping\", \"parameters\": {{ {parameters} }} }}", StringComparison.Ordinal);

        var e = Assert.Throws<RunConfigException>(() => RunConfig.FromJson(json));

        Assert.Equal(key, e.Key);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    private static RobustStrategy Strategy(double tau, int iterations) =>
        RobustRuleTests.Strategy(RobustStrategies.CenteredClippingName, (RobustStrategies.TauKey, tau), (RobustStrategies.IterationsKey, iterations));

    private static Federated.Model.Updates.ModelDelta TrunkFirst(float value) => Delta((t, j) => t.Name == TrunkTensor && j == 0 ? value : 0);
}
