using Federated.Coordinator.Runs;

namespace Federated.Coordinator.Rounds.Pipeline;

/// <summary>
/// Adds steps to the pipeline of runs whose config asks for them. A new privacy, robustness or server-optimiser feature
/// is one extension (registered in the coordinator's services, or passed to the <see cref="RoundPipelineFactory"/>),
/// not an edit of the round engine.
/// </summary>
public interface IRoundPipelineExtension
{
    /// <summary>Adds, replaces or reorders steps for a run with <paramref name="config"/>; does nothing when the config does not ask for it.</summary>
    void Extend(RunConfig config, RoundPipelineBuilder builder);
}
