namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>
/// How a round that needs its updates together (median, trimmed mean, Krum, the norm bound) keeps them: in memory up to
/// <see cref="MemoryLimitBytes"/>, then in a temporary file.
/// </summary>
public sealed record UpdateBufferOptions
{
    /// <summary>The default of <see cref="MemoryLimitBytes"/>: 256 MiB.</summary>
    public const long DefaultMemoryLimitBytes = 256L * 1024 * 1024;

    /// <summary>The defaults: 256 MiB in memory per round, then the system's temporary directory.</summary>
    public static UpdateBufferOptions Default { get; } = new();

    /// <summary>
    /// Bytes of update values (4 per float) one round keeps in memory; an update that would go past it is written to the
    /// round's spill file instead. 0 spills every update. Default 256 MiB; ≥ 0.
    /// </summary>
    public long MemoryLimitBytes { get; init; } = DefaultMemoryLimitBytes;

    /// <summary>Directory of the spill files (deleted when closed); null or empty: <see cref="Path.GetTempPath"/>. Default null.</summary>
    public string? SpillDirectory { get; init; }
}
