namespace Federated.Coordinator.Rounds;

/// <summary>Settings of the round engine itself (run-specific settings live in the run config).</summary>
public sealed class RoundEngineOptions
{
    /// <summary>A node not heard from for this long is no longer connected (not selected). Default 2 minutes.</summary>
    public TimeSpan NodeLivenessTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Model versions of a run kept in storage, newest first, ≥ 1; older ones are deleted after each commit except
    /// version 0 and the versions an operator marked to keep. Default 1000: a run of up to 1000 rounds keeps every version.
    /// </summary>
    public int KeepLastVersions { get; set; } = DefaultKeepLastVersions;

    /// <summary>The default of <see cref="KeepLastVersions"/>.</summary>
    public const int DefaultKeepLastVersions = 1000;
}
