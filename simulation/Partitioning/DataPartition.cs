namespace Federated.Simulation.Partitioning;

/// <summary>
/// The split of a data set's examples among virtual clients: <see cref="Clients"/>[c] lists the example indices of
/// client c (ascending), every example in exactly one client.
/// </summary>
/// <param name="Description">How the split was made, e.g. <c>dirichlet(alpha=0.5, key=click)</c>; reported in outputs.</param>
/// <param name="ClientNames">A name per client (the key value for natural splits, else client-N).</param>
/// <param name="Clients">Example indices per client.</param>
public sealed record DataPartition(string Description, IReadOnlyList<string> ClientNames, IReadOnlyList<int[]> Clients)
{
    /// <summary>Number of clients.</summary>
    public int Count => Clients.Count;

    /// <summary>Number of examples over all clients.</summary>
    public int ExampleCount => Clients.Sum(c => c.Length);
}
