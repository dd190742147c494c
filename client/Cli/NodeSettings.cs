namespace Federated.Client.Cli;

/// <summary>
/// A node's settings after merging, in order of precedence: command-line options, <c>FEDERATED_*</c> environment
/// variables, the <c>Node</c> section of appsettings.json.
/// </summary>
public sealed record NodeSettings
{
    /// <summary>The coordinator's URL (<c>--coordinator</c>, <c>FEDERATED_COORDINATOR</c>, <c>Node:Coordinator</c>).</summary>
    public string? Coordinator { get; init; }

    /// <summary>The node's bearer token (<c>--token</c>, <c>FEDERATED_TOKEN</c>, <c>Node:Token</c>).</summary>
    public string? Token { get; init; }

    /// <summary>The data file or MovieLens directory (<c>--data</c>, <c>FEDERATED_DATA</c>, <c>Node:Data</c>).</summary>
    public string? Data { get; init; }

    /// <summary>The schema JSON of a CSV/TSV file (<c>--schema</c>, <c>FEDERATED_SCHEMA</c>, <c>Node:Schema</c>).</summary>
    public string? Schema { get; init; }

    /// <summary>The state directory (<c>--state</c>, <c>FEDERATED_STATE</c>, <c>Node:State</c>). Default <c>node-state</c>.</summary>
    public string State { get; init; } = "node-state";

    /// <summary>The run to join, or null for the single active one (<c>--run</c>, <c>FEDERATED_RUN</c>, <c>Node:Run</c>).</summary>
    public string? Run { get; init; }

    /// <summary>Seeds the data split and local initialisation; keep it fixed for a node (<c>--seed</c>, <c>FEDERATED_SEED</c>, <c>Node:Seed</c>). Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Seconds the node keeps trying to reach the coordinator for its first join before exit 5; 0 = until stopped
    /// (<c>--join-timeout</c>, <c>FEDERATED_JOINTIMEOUT</c>, <c>Node:JoinTimeout</c>). Default 180.
    /// </summary>
    public double JoinTimeoutSeconds { get; init; } = 180;

    /// <summary>
    /// Move state files already in the state directory aside and start afresh (<c>--fresh</c>, <c>FEDERATED_FRESH</c>,
    /// <c>Node:Fresh</c>). Default false: the state of another run is an error.
    /// </summary>
    public bool Fresh { get; init; }

    /// <summary>
    /// How examples are split (<c>--split</c>, <c>FEDERATED_SPLIT</c>, <c>Node:Split</c>): random (default) or hash, which
    /// keeps every row in its part when rows are added. Use the same for <c>run</c>, <c>evaluate</c> and <c>recommend</c>.
    /// </summary>
    public Federated.Client.Data.SplitMethod Split { get; init; } = Federated.Client.Data.SplitMethod.Random;

    /// <summary>
    /// Read the data again before a round when its file changed (<c>--watch-data</c>, <c>FEDERATED_WATCHDATA</c>,
    /// <c>Node:WatchData</c>); needs <see cref="Split"/> hash. Default false.
    /// </summary>
    public bool WatchData { get; init; }

    /// <summary>
    /// Send updates as gRPC messages even when the coordinator has a bulk upload port (<c>--no-bulk-uploads</c>,
    /// <c>FEDERATED_NOBULKUPLOADS</c>, <c>Node:NoBulkUploads</c>). Default false: the bulk port is used when offered.
    /// </summary>
    public bool NoBulkUploads { get; init; }
}
