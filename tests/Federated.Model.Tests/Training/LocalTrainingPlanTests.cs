using Federated.Model.Optimization;
using Federated.Model.Training;

namespace Federated.Model.Tests.Training;

public sealed class LocalTrainingPlanTests
{
    [Fact]
    public void Default_DocumentedValues_AreValid()
    {
        var plan = LocalTrainingPlan.Default;

        plan.Validate();
        Assert.Equal(1, plan.LocalEpochs);
        Assert.Equal(64, plan.BatchSize);
        Assert.Equal(OptimizerKind.Sgd, plan.Optimizer);
        Assert.Equal(0.05f, plan.LearningRate);
        Assert.Equal(0f, plan.ProximalMu);
        Assert.Equal(10d, plan.ClipNorm);
        Assert.True(plan.SparseEmbeddings);
    }

    public static TheoryData<string, LocalTrainingPlan> OutOfBounds => new()
    {
        { "localEpochs", LocalTrainingPlan.Default with { LocalEpochs = 0 } },
        { "batchSize", LocalTrainingPlan.Default with { BatchSize = -1 } },
        { "optimizer", LocalTrainingPlan.Default with { Optimizer = (OptimizerKind)7 } },
        { "learningRate", LocalTrainingPlan.Default with { LearningRate = 0 } },
        { "learningRate", LocalTrainingPlan.Default with { LearningRate = float.NaN } },
        { "learningRate", LocalTrainingPlan.Default with { LearningRate = float.PositiveInfinity } },
        { "proximalMu", LocalTrainingPlan.Default with { ProximalMu = -0.1f } },
        { "proximalMu", LocalTrainingPlan.Default with { ProximalMu = float.NaN } },
        { "clipNorm", LocalTrainingPlan.Default with { ClipNorm = -1 } },
        { "clipNorm", LocalTrainingPlan.Default with { ClipNorm = double.PositiveInfinity } },
    };

    [Theory]
    [MemberData(nameof(OutOfBounds))]
    public void Validate_ValueOutOfBounds_ThrowsNamingTheKey(string key, LocalTrainingPlan plan)
    {
        var error = Assert.Throws<TrainingPlanException>(plan.Validate);

        Assert.Equal(key, error.Key);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ZeroClipAndZeroMu_Accepted()
    {
        (LocalTrainingPlan.Default with { ClipNorm = 0, ProximalMu = 0 }).Validate();
    }

    [Theory]
    [InlineData("sgd", OptimizerKind.Sgd)]
    [InlineData("Adam", OptimizerKind.Adam)]
    [InlineData("MOMENTUM", OptimizerKind.Momentum)]
    public void ParseOptimizer_KnownNameAnyCase_ReturnsKind(string name, OptimizerKind expected)
    {
        Assert.Equal(expected, LocalTrainingPlan.ParseOptimizer(name));
        Assert.Equal(expected, LocalTrainingPlan.ParseOptimizer(LocalTrainingPlan.OptimizerName(expected)));
    }

    [Theory]
    [InlineData("rmsprop")]
    [InlineData("0")]
    [InlineData("")]
    public void ParseOptimizer_UnknownName_ThrowsNamingIt(string name)
    {
        var error = Assert.Throws<TrainingPlanException>(() => LocalTrainingPlan.ParseOptimizer(name));

        Assert.Equal("optimizer", error.Key);
        Assert.Contains($"'{name}'", error.Message, StringComparison.Ordinal);
    }
}
