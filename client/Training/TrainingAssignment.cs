using Federated.Model.Training;

namespace Federated.Client.Training;

/// <summary>What the coordinator asks a node to do in one round (plain C#; the gRPC adapter converts to it).</summary>
public sealed record TrainingAssignment
{
    /// <summary>The round id.</summary>
    public long Round { get; init; }

    /// <summary>The version of the shared parameters the node trains from.</summary>
    public long ModelVersion { get; init; }

    /// <summary>How to train: the run's local training plan. Default <see cref="LocalTrainingPlan.Default"/>.</summary>
    public LocalTrainingPlan Plan { get; init; } = LocalTrainingPlan.Default;

    /// <summary>
    /// The node's part in the round's secure aggregation, or null (default) when it sends a plain update: then its update
    /// goes through the four phases of the protocol (<see cref="Federation.SecureAggregationParty"/>).
    /// </summary>
    public Federated.SecureAggregation.Protocol.SecAggAssignment? SecureAggregation { get; init; }

    /// <summary>
    /// For the run's label-statistics round, the shared tasks (in spec order) whose training-label count and sum the node
    /// sends instead of training (<see cref="Federation.NodeRoundStep.SubmitLabelStatisticsAsync"/>); it downloads no model
    /// for it. Null (default) for a training round.
    /// </summary>
    public IReadOnlyList<string>? LabelStatisticsTasks { get; init; }

    /// <summary>Checks the plan.</summary>
    /// <exception cref="TrainingPlanException">A value of the plan is out of its bounds.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Plan);
        Plan.Validate();
    }
}
