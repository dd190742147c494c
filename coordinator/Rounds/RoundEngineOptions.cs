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

    /// <summary>
    /// Most labelled training examples one node may report for one task in a label-statistics round (its count), in
    /// [1, 2^53]; a larger count is refused <see cref="Rejection.InvalidLabelStatistics"/>. It bounds how far one node can
    /// pull a shared head's starting bias by claiming many examples. Default 10^12.
    /// </summary>
    public long MaxLabelledExamples { get; set; } = DefaultMaxLabelledExamples;

    /// <summary>The default of <see cref="MaxLabelledExamples"/>.</summary>
    public const long DefaultMaxLabelledExamples = 1_000_000_000_000;
}
