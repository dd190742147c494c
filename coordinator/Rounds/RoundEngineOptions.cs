namespace Federated.Coordinator.Rounds;

/// <summary>Settings of the round engine itself (run-specific settings live in the run config).</summary>
public sealed class RoundEngineOptions
{
    /// <summary>A node not heard from for this long is no longer connected (not selected). Default 2 minutes.</summary>
    public TimeSpan NodeLivenessTimeout { get; set; } = TimeSpan.FromMinutes(2);
}
