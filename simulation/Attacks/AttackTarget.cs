namespace Federated.Simulation.Attacks;

/// <summary>
/// The client a worker is training right now, for its workspace's attack step to look up: a workspace serves many
/// clients in turn, and its update pipeline is built per assignment from the plan alone.
/// </summary>
/// <remarks>Owned by one worker, used by one thread at a time (the worker's), so it needs no lock.</remarks>
internal sealed class AttackTarget
{
    /// <summary>The index of the client being trained in the federated series, or null (the references, evaluation).</summary>
    public int? Client { get; set; }
}
