namespace Federated.Simulation.Engine;

/// <summary>Progress of one phase of an experiment (called from worker threads).</summary>
/// <param name="Phase">What runs: <c>federated</c>, <c>references</c>, …</param>
/// <param name="Done">Units finished (client-rounds).</param>
/// <param name="Total">Units in the phase.</param>
public readonly record struct SimulationProgress(string Phase, long Done, long Total);
