namespace Federated.Coordinator.Runs;

/// <summary>The local training settings handed to every node with its assignment.</summary>
public sealed record TrainingSettings
{
    /// <summary>Passes over the node's training data per round, ≥ 1. Default 1.</summary>
    public int LocalEpochs { get; set; } = 1;

    /// <summary>Examples per mini-batch, ≥ 1. Default 64.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>Local learning rate, finite and &gt; 0. Default 0.05.</summary>
    public float LearningRate { get; set; } = 0.05f;

    /// <summary>Local optimizer: <c>sgd</c>, <c>momentum</c> or <c>adam</c>. Default <c>sgd</c>.</summary>
    public string Optimizer { get; set; } = "sgd";

    /// <summary>FedProx proximal coefficient μ ≥ 0 (Li et al. 2020). Default 0 (plain FedAvg).</summary>
    public float ProximalMu { get; set; }

    /// <summary>L2 bound C every update must be clipped to; 0 disables the bound. Default 10.</summary>
    public double ClipNorm { get; set; } = 10;

    /// <summary>Whether nodes send embedding tables row-sparse (only touched rows). Default true.</summary>
    public bool SparseEmbeddings { get; set; } = true;
}
