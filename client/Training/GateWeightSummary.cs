namespace Federated.Client.Training;

/// <summary>One task's gate weights over its experts at one level, averaged over a part of a node's data.</summary>
/// <param name="Task">The task.</param>
/// <param name="Level">The gate's level (0 for MMoE; 0 … levels−1 for PLE, the last feeding the task's tower).</param>
/// <param name="Experts">The experts' names, in weight order (<c>e0</c>… for MMoE; <c>shared0</c>…, <c>{task}0</c>… for PLE).</param>
/// <param name="MeanWeights">The mean weight of each expert over <paramref name="Rows"/> rows; sums to 1.</param>
/// <param name="Rows">Rows averaged over.</param>
public sealed record GateWeightSummary(string Task, int Level, IReadOnlyList<string> Experts, IReadOnlyList<double> MeanWeights, int Rows);
