namespace Federated.Model.Optimization;

/// <summary>The update rule an <see cref="Optimizer"/> applies.</summary>
public enum OptimizerKind
{
    /// <summary>Plain stochastic gradient descent: <c>p ← p − lr·g</c>.</summary>
    Sgd,

    /// <summary>Heavy-ball momentum in the PyTorch convention: <c>v ← μ·v + g; p ← p − lr·v</c>.</summary>
    Momentum,

    /// <summary>Adam (Kingma and Ba, 2015) with PyTorch's bias correction; lazy (SparseAdam-style) on embedding rows.</summary>
    Adam,
}
