namespace Federated.Simulation.Engine;

/// <summary>
/// The simulated run failed in the coordinator's engine (its rounds failed beyond the run's retries) or one of its series
/// diverged (<see cref="SeriesDivergedException"/>): reported to the user as one line, exit code 1, since it follows from
/// the options (e.g. <c>--dropout</c> against <c>--sa-threshold</c>, or too high a learning rate), not from a bug.
/// </summary>
public class SimulationRunFailedException(string message, Exception? inner = null) : Exception(message, inner);
