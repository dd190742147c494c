using Federated.Client.Training.Updates;

namespace Federated.Simulation.Attacks;

/// <summary>
/// An attack as an experiment runs it: the attack, the malicious clients (chosen by <see cref="MaliciousClients"/>)
/// and the seed of its noise. Malicious clients attack in every round they are selected; the others are honest.
/// </summary>
public sealed class ExperimentAttack
{
    private readonly HashSet<int> _malicious;

    /// <summary>An attack by the given clients.</summary>
    /// <param name="spec">The attack.</param>
    /// <param name="malicious">Indices of the malicious clients, ascending.</param>
    /// <param name="seed">The experiment's seed.</param>
    public ExperimentAttack(AttackSpec spec, IReadOnlyList<int> malicious, int seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(malicious);
        Spec = spec;
        Malicious = malicious;
        Seed = seed;
        _malicious = [.. malicious];
    }

    /// <summary>The attack.</summary>
    public AttackSpec Spec { get; }

    /// <summary>Indices of the malicious clients, ascending.</summary>
    public IReadOnlyList<int> Malicious { get; }

    /// <summary>The experiment's seed.</summary>
    public int Seed { get; }

    /// <summary>Whether client <paramref name="client"/> is malicious.</summary>
    public bool IsMalicious(int client) => _malicious.Contains(client);

    /// <summary>
    /// The update step of one worker: for the client <paramref name="target"/> names, when it is malicious and the attack
    /// changes updates, a <see cref="PoisonedUpdate"/> at <see cref="PoisonedUpdate.Stage"/>; otherwise none.
    /// </summary>
    internal NodeUpdateTransformFactory Factory(AttackTarget target) => new(PoisonedUpdate.Stage, plan =>
        Spec.PoisonsUpdates && target.Client is { } client && IsMalicious(client) ? new PoisonedUpdate(Spec, Seed, client) : null);
}
