using System.ComponentModel.DataAnnotations;

namespace Federated.Coordinator.Hosting;

/// <summary>The service's settings, section <c>Coordinator</c> (appsettings.json, <c>Coordinator__Key</c> environment variables, <c>--Coordinator:Key=value</c>).</summary>
public sealed class CoordinatorOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Coordinator";

    /// <summary>SQLite file, relative to the content root. Default <c>coordinator.db</c>.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Coordinator:DatabasePath must name a file")]
    public string DatabasePath { get; set; } = "coordinator.db";

    /// <summary>
    /// The operator API's bearer token. Default empty: one is generated on first start and kept in
    /// <c>&lt;DatabasePath&gt;.admin-token</c> (readable by the owner only).
    /// </summary>
    [RegularExpression("^(|.{16,})$", ErrorMessage = "Coordinator:AdminToken must be at least 16 characters (or empty to generate one)")]
    public string AdminToken { get; set; } = "";

    /// <summary>Largest gRPC message, sent or received, after decompression, in bytes. Default 4 MiB (tensor chunks are ≤ 1 MiB).</summary>
    [Range(2 * 1024 * 1024, 256 * 1024 * 1024, ErrorMessage = "Coordinator:MaxMessageBytes must be in [2 MiB, 256 MiB]")]
    public int MaxMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Longest a WaitForAssignment call is held, in seconds. Default 30.</summary>
    [Range(0.0, 600.0, ErrorMessage = "Coordinator:MaxWaitSeconds must be in [0, 600]")]
    public double MaxWaitSeconds { get; set; } = 30;

    /// <summary>How often deadlines are checked and rounds started, in seconds; 0 disables the ticker (tests drive it). Default 1.</summary>
    [Range(0.0, 3600.0, ErrorMessage = "Coordinator:TickIntervalSeconds must be in [0, 3600]")]
    public double TickIntervalSeconds { get; set; } = 1;

    /// <summary>A node not heard from for this many seconds is not connected (not selected). Default 120.</summary>
    [Range(1.0, 86400.0, ErrorMessage = "Coordinator:NodeLivenessSeconds must be in [1, 86400]")]
    public double NodeLivenessSeconds { get; set; } = 120;

    /// <summary>
    /// Model versions kept per run, newest first; older ones are deleted after each commit, except version 0 and the
    /// versions an operator marked with <c>admin keep</c>. Default 1000 (a run of up to 1000 rounds keeps every version).
    /// </summary>
    [Range(1, int.MaxValue, ErrorMessage = "Coordinator:KeepLastVersions must be ≥ 1")]
    public int KeepLastVersions { get; set; } = Rounds.RoundEngineOptions.DefaultKeepLastVersions;
}
