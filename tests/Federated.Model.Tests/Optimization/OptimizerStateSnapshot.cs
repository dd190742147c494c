using Federated.Model.Optimization;

namespace Federated.Model.Tests.Optimization;

/// <summary>Reads an optimiser's internal state buffers for assertions.</summary>
internal static class OptimizerStateSnapshot
{
    /// <summary>Copies of every state buffer the optimiser keeps (none for SGD).</summary>
    public static float[][] Of(Optimizer optimizer) => optimizer switch
    {
        SgdOptimizer => [],
        MomentumOptimizer momentum => [momentum.Velocity.ToArray()],
        AdamOptimizer adam => [adam.FirstMoments.ToArray(), adam.SecondMoments.ToArray()],
        _ => throw new ArgumentOutOfRangeException(nameof(optimizer)),
    };
}
