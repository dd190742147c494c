namespace Federated.Model.Spec;

/// <summary>
/// One task's label statistics as a node reports them in a label-statistics round: the task's name and the count and
/// sum of its training labels (<see cref="OutputBiasStatistics"/>). The coordinator merges these over nodes to start a
/// shared head's output bias from data (<see cref="TaskSpec.OutputBiasFromData"/>).
/// </summary>
/// <param name="Task">The task's name, as in the spec.</param>
/// <param name="Statistics">Labelled training examples of the task and the sum of their labels.</param>
public sealed record TaskLabelStatistics(string Task, OutputBiasStatistics Statistics);
