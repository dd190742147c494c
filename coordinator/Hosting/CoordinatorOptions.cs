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
    [SettingRange(2 * 1024 * 1024, 256 * 1024 * 1024, ErrorMessage = "Coordinator:MaxMessageBytes must be in [2 MiB, 256 MiB]")]
    public int MaxMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Longest a WaitForAssignment call is held, in seconds. Default 30.</summary>
    [SettingRange(0.0, 600.0, ErrorMessage = "Coordinator:MaxWaitSeconds must be in [0, 600]")]
    public double MaxWaitSeconds { get; set; } = 30;

    /// <summary>How often deadlines are checked and rounds started, in seconds; 0 disables the ticker (tests drive it). Default 1.</summary>
    [SettingRange(0.0, 3600.0, ErrorMessage = "Coordinator:TickIntervalSeconds must be in [0, 3600]")]
    public double TickIntervalSeconds { get; set; } = 1;

    /// <summary>A node not heard from for this many seconds is not connected (not selected). Default 120.</summary>
    [SettingRange(1.0, 86400.0, ErrorMessage = "Coordinator:NodeLivenessSeconds must be in [1, 86400]")]
    public double NodeLivenessSeconds { get; set; } = 120;

    /// <summary>
    /// Model versions kept per run, newest first; older ones are deleted after each commit, except version 0 and the
    /// versions an operator marked with <c>admin keep</c>. Default 1000 (a run of up to 1000 rounds keeps every version).
    /// </summary>
    [SettingRange(1, int.MaxValue, ErrorMessage = "Coordinator:KeepLastVersions must be ≥ 1")]
    public int KeepLastVersions { get; set; } = Rounds.RoundEngineOptions.DefaultKeepLastVersions;

    /// <summary>
    /// Most open client connections (TCP or TLS) at once; a connection over the limit is closed as soon as it is accepted
    /// (the caller sees Unavailable and retries later). Default 1000; range [1, 1,000,000].
    /// </summary>
    [SettingRange(1, 1_000_000, ErrorMessage = "Coordinator:MaxConnections must be in [1, 1000000]")]
    public int MaxConnections { get; set; } = 1000;

    /// <summary>
    /// Most concurrent HTTP/2 streams (calls) per connection, advertised in SETTINGS_MAX_CONCURRENT_STREAMS; a stream over
    /// it is reset with REFUSED_STREAM before anything is read for it. Default 100; range [1, 10,000].
    /// </summary>
    [SettingRange(1, 10_000, ErrorMessage = "Coordinator:MaxStreamsPerConnection must be in [1, 10000]")]
    public int MaxStreamsPerConnection { get; set; } = 100;

    /// <summary>Longest time to receive a request's headers, in seconds. Default 30; range [1, 600].</summary>
    [SettingRange(1.0, 600.0, ErrorMessage = "Coordinator:RequestHeadersTimeoutSeconds must be in [1, 600]")]
    public double RequestHeadersTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Slowest accepted request body of a unary call, in bytes per second, after a 5 s grace period; a slower sender is
    /// cut off. gRPC exempts streaming uploads from this rate; <see cref="MaxUploadSeconds"/> bounds those. Default 240
    /// (Kestrel's); range [1, 1 GiB/s].
    /// </summary>
    [SettingRange(1.0, 1073741824.0, ErrorMessage = "Coordinator:MinRequestBytesPerSecond must be in [1, 1073741824]")]
    public double MinRequestBytesPerSecond { get; set; } = 240;

    /// <summary>
    /// Longest string accepted in an id field of a request (<c>run_id</c>, <c>node_id</c>, <c>upload_id</c>), in UTF-16
    /// characters; longer ones are refused with InvalidArgument and never echoed. Default 128; range [16, 1024].
    /// </summary>
    [SettingRange(16, 1024, ErrorMessage = "Coordinator:MaxIdChars must be in [16, 1024]")]
    public int MaxIdChars { get; set; } = 128;

    /// <summary>
    /// Longest string accepted in a name field of a request (task names <c>task</c>, tensor names <c>name</c>), in
    /// UTF-16 characters; longer ones are refused with InvalidArgument and never echoed. Default 256; range [16, 4096].
    /// </summary>
    [SettingRange(16, 4096, ErrorMessage = "Coordinator:MaxNameChars must be in [16, 4096]")]
    public int MaxNameChars { get; set; } = 256;

    /// <summary>
    /// Most tensor chunks in one upload (<c>SubmitUpdate</c> stream); more is ResourceExhausted. Default 100,000;
    /// range [1, 10,000,000]. A node's chunker sends ≤ 1 MiB per chunk, so a legitimate upload needs about
    /// (4 × shared parameters / 1 MiB) + one per tensor.
    /// </summary>
    [SettingRange(1, 10_000_000, ErrorMessage = "Coordinator:MaxUploadChunks must be in [1, 10000000]")]
    public int MaxUploadChunks { get; set; } = 100_000;

    /// <summary>
    /// Most payload bytes (float32 values plus 4 per sparse row id) in one upload, as a multiple of the run's shared
    /// model size in float32 bytes; 1 MiB is added as headroom. More is ResourceExhausted. Default 2; range [1, 64].
    /// </summary>
    [SettingRange(1.0, 64.0, ErrorMessage = "Coordinator:MaxUploadModelMultiple must be in [1, 64]")]
    public double MaxUploadModelMultiple { get; set; } = 2;

    /// <summary>Longest one upload may take from its first message to its last, in seconds; longer is ResourceExhausted. Default 600; range [1, 86400].</summary>
    [SettingRange(1.0, 86400.0, ErrorMessage = "Coordinator:MaxUploadSeconds must be in [1, 86400]")]
    public double MaxUploadSeconds { get; set; } = 600;

    /// <summary>
    /// Most uploads (<c>SubmitUpdate</c> streams) assembled at once across all runs; a further admitted upload waits,
    /// reading nothing, until one ends (the wait counts against <see cref="MaxUploadSeconds"/>; waiting is safe because a
    /// waiting upload holds no tensor memory, only what HTTP/2 flow control lets its sender put in flight). An upload
    /// keeps its slot until the engine has counted or refused it. Default 16; range [1, 10,000].
    /// </summary>
    /// <remarks>
    /// With S the largest run's shared model in float32 bytes (4 × parameters), the coordinator's memory stays below
    /// about <c>Σ_runs 4 × S + MaxUploadsInFlight × (2 × S + MaxMessageBytes) + connections × (Http2InitialConnectionWindowBytes + 2 × TransportBlockBytes) + TransportPoolRetainedBytes + 32 MiB + C</c>,
    /// whatever the number of nodes: per run the global model, the double-precision round sums (2 × S) and the next
    /// version while it is committed; per upload in flight its arrays (≤ S) and the chunks kept until half a tensor,
    /// or a whole sparse table, has arrived (≤ S), plus one message being decoded; per connection what its senders may
    /// have in flight; 32 MiB of upload chunk buffers kept for reuse (<see cref="Federated.Protos.PooledChunkParser"/>); C is the runtime's own (about 150 MB with server GC on two cores). The upload arrays are pooled
    /// (<see cref="Uploads.TensorArrayPool"/>), so up to MaxUploadsInFlight × S stays allocated between rounds. 16 keeps two
    /// cores busy while slow senders hold slots, for 16 × 2 × S of uploads (128 MiB for a 1 M-parameter model); raise
    /// it for nodes on slow links, lower it for large models.
    /// </remarks>
    [SettingRange(1, 10_000, ErrorMessage = "Coordinator:MaxUploadsInFlight must be in [1, 10000]")]
    public int MaxUploadsInFlight { get; set; } = 16;

    /// <summary>
    /// HTTP/2 connection-level receive window: bytes a client may send on one connection, over all its streams, before
    /// the coordinator has read them. Larger windows let a fast link stay busy through the round trip (bandwidth × RTT)
    /// but let each connection buffer more. Default 1 MiB (Kestrel's); range [64 KiB, 2 GiB − 1] (HTTP/2's).
    /// </summary>
    [SettingRange(65_535, int.MaxValue, ErrorMessage = "Coordinator:Http2InitialConnectionWindowBytes must be in [65535, 2147483647]")]
    public int Http2InitialConnectionWindowBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// HTTP/2 stream-level receive window: bytes a client may send on one call before the coordinator has read them (the
    /// connection window still caps the sum over a connection's calls). An upload waiting for a slot
    /// (<see cref="MaxUploadsInFlight"/>) holds at most this much. Default 768 KiB (Kestrel's); range [64 KiB, 2 GiB − 1].
    /// </summary>
    [SettingRange(65_535, int.MaxValue, ErrorMessage = "Coordinator:Http2InitialStreamWindowBytes must be in [65535, 2147483647]")]
    public int Http2InitialStreamWindowBytes { get; set; } = 768 * 1024;

    /// <summary>
    /// Bytes of each buffer block of Kestrel's connections (its socket reads and its HTTP/2 pipes are made of them), in
    /// place of Kestrel's fixed 4 KiB: a socket read returns at most one block, so larger blocks mean fewer reads and
    /// wake-ups per upload and fewer segments per message. Each connection with data waiting holds at least one block
    /// per pipe. Default 64 KiB (half the coordinator's CPU per dense update of 4 KiB; 1 MiB blocks gained nothing and
    /// grew the working set); range [4 KiB, 1 MiB].
    /// </summary>
    [SettingRange(4096, 1024 * 1024, ErrorMessage = "Coordinator:TransportBlockBytes must be in [4096, 1048576]")]
    public int TransportBlockBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Most bytes of free blocks (<see cref="TransportBlockBytes"/>) each Kestrel endpoint keeps for reuse; blocks
    /// returned beyond it go to the GC. Default 32 MiB; range [0, 1 GiB].
    /// </summary>
    [SettingRange(0L, 1L << 30, ErrorMessage = "Coordinator:TransportPoolRetainedBytes must be in [0, 1073741824]")]
    public long TransportPoolRetainedBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>
    /// Bytes of update values (4 per float) one round keeps in memory for a strategy that needs the round's updates together
    /// (median, trimmed-mean, krum, multi-krum, or any strategy with <c>normBoundMultiple</c>); later updates of the round go
    /// to a temporary file in <see cref="AggregationSpillDirectory"/>, deleted when the round is over. Per run with an open
    /// round, memory for them stays below <c>min(n × 4 × V, AggregationBufferBytes)</c> for n updates of V values, plus 4
    /// bytes per sparse row id sent. 0 spills every update. Default 256 MiB; range [0, 1 TiB].
    /// </summary>
    [SettingRange(0L, 1L << 40, ErrorMessage = "Coordinator:AggregationBufferBytes must be in [0, 1099511627776]")]
    public long AggregationBufferBytes { get; set; } = Aggregation.Robust.UpdateBufferOptions.DefaultMemoryLimitBytes;

    /// <summary>
    /// Most labelled training examples one node may report for one task in a run's label-statistics round (the round that
    /// starts shared output biases from data); a larger count is refused InvalidArgument <c>invalid-label-statistics</c>.
    /// It bounds how far one node can pull a shared head's starting bias by claiming many examples. Default 10^12; range
    /// [1, 2^53 = 9,007,199,254,740,992].
    /// </summary>
    // Typed as long: RangeAttribute's (long, long) overload binds to (double, double), which reads 2^53 + 1 as 2^53.
    [SettingRange(typeof(long), "1", "9007199254740992", ErrorMessage = "Coordinator:MaxLabelledExamples must be in [1, 9007199254740992]")]
    public long MaxLabelledExamples { get; set; } = Rounds.RoundEngineOptions.DefaultMaxLabelledExamples;

    /// <summary>Directory of the aggregation spill files (see <see cref="AggregationBufferBytes"/>). Default empty: the system's temporary directory.</summary>
    public string AggregationSpillDirectory { get; set; } = "";
}
