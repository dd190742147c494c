using Federated.Client.Federation;

namespace Federated.Simulation.Engine;

/// <summary>
/// Where the federated series runs: a coordinator holding one run of the experiment's config, with every virtual
/// client enrolled, and a connection per client. In memory (<see cref="InMemoryFederationHost"/>) or over gRPC on loopback.
/// </summary>
public interface IFederationHost : IAsyncDisposable
{
    /// <summary>The run's id.</summary>
    string RunId { get; }

    /// <summary>The transport's name for reports (<c>in-memory</c>, <c>grpc</c>).</summary>
    string Transport { get; }

    /// <summary>The connection of client <paramref name="client"/>.</summary>
    ICoordinatorConnection Connection(int client);

    /// <summary>Lets rounds start: called once every client has joined, so the first round selects among all of them.</summary>
    Task OpenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The strategy state stored with <paramref name="version"/> of the run (a private run's ledger), or null when none
    /// was stored or the host cannot tell.
    /// </summary>
    byte[]? LoadStrategyState(long version) => null;

    /// <summary>
    /// Lets the open round's current deadline (or secure-aggregation phase deadline) pass now and has the engine act on
    /// it, as if the clock had reached it: how simulated drop-outs end a phase without waiting.
    /// </summary>
    /// <exception cref="NotSupportedException">The host's clock cannot be moved (gRPC on loopback).</exception>
    Task ExpireDeadlineAsync(CancellationToken cancellationToken) => throw new NotSupportedException($"the {Transport} transport cannot let deadlines pass: drop-outs need the in-memory transport");

    /// <summary>Why the run failed (the engine's message), or null while it has not failed or when the host cannot tell.</summary>
    string? FailureMessage() => null;

    /// <summary>The run's latest committed version.</summary>
    /// <exception cref="NotSupportedException">The host cannot tell (gRPC on loopback).</exception>
    long ModelVersion() => throw new NotSupportedException($"the {Transport} transport does not report the run's version to the driver");
}
