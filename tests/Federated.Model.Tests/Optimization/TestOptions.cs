using Federated.Model.Optimization;

namespace Federated.Model.Tests.Optimization;

/// <summary>Options per kind with step sizes that suit the small problems in these tests.</summary>
internal static class TestOptions
{
    public static OptimizerOptions For(OptimizerKind kind, float weightDecay = 0f) => kind switch
    {
        OptimizerKind.Sgd => new OptimizerOptions { Kind = kind, LearningRate = 0.1f, WeightDecay = weightDecay },
        OptimizerKind.Momentum => new OptimizerOptions { Kind = kind, LearningRate = 0.05f, Momentum = 0.9f, WeightDecay = weightDecay },
        OptimizerKind.Adam => new OptimizerOptions { Kind = kind, LearningRate = 0.01f, WeightDecay = weightDecay },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
