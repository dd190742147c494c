namespace Federated.Client.Training;

/// <summary>What a <see cref="FineTuner"/> run did.</summary>
/// <param name="EpochsRun">Epochs trained (≤ the asked number when validation stopped it).</param>
/// <param name="KeptEpoch">The epoch whose parameters were kept: the one of lowest validation loss; 0 = the parameters before tuning; without validation rows the last epoch.</param>
/// <param name="ValidationLosses">Validation loss Σ_t w_t·(mean loss of task t) after each epoch, index 0 before tuning; empty without validation rows.</param>
/// <param name="Steps">Optimiser steps taken.</param>
public sealed record FineTuneResult(int EpochsRun, int KeptEpoch, IReadOnlyList<double> ValidationLosses, long Steps)
{
    /// <summary>Whether the node has validation rows (and so early stopping and best-epoch selection applied).</summary>
    public bool Validated => ValidationLosses.Count > 0;
}
