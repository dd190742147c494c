using Federated.Model.Training;

namespace Federated.Coordinator.Rounds;

/// <summary>What a selected node must do: train <see cref="ModelVersion"/> as <see cref="Plan"/> says and answer by <see cref="Deadline"/>.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Round">The round.</param>
/// <param name="ModelVersion">The version to download and use as the update's base.</param>
/// <param name="Deadline">After this the update is no longer awaited.</param>
/// <param name="Plan">The run's local training plan.</param>
public sealed record Assignment(string RunId, long Round, long ModelVersion, DateTimeOffset Deadline, LocalTrainingPlan Plan)
{
    /// <summary>
    /// For a round with secure aggregation, the node's part in it (setup, party id, input norm, weight cap): it then
    /// sends its update through the four phases (<see cref="RoundEngine.SubmitKeyAdvertisement"/> …), not as a plain
    /// update. Null otherwise.
    /// </summary>
    public Federated.SecureAggregation.Protocol.SecAggAssignment? SecureAggregation { get; init; }

    /// <summary>
    /// For the run's label-statistics round, the shared tasks (in spec order) whose training-label count and sum the node
    /// must send (<see cref="RoundEngine.SubmitLabelStatistics"/>) instead of training; it downloads no model then. Null
    /// for a training round.
    /// </summary>
    public IReadOnlyList<string>? LabelStatisticsTasks { get; init; }
}
