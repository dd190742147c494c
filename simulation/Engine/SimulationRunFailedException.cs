namespace Federated.Simulation.Engine;

/// <summary>
/// The simulated run failed in the coordinator's engine (its rounds failed beyond the run's retries): reported to the user
/// as one line, since it follows from the options (e.g. <c>--dropout</c> against <c>--sa-threshold</c>), not from a bug.
/// </summary>
public sealed class SimulationRunFailedException(string message) : Exception(message);
