using Federated.Model.Parameters;

namespace Federated.Client.Federation;

/// <summary>Settings of a node's gRPC channel to the coordinator.</summary>
public sealed record GrpcConnectionOptions
{
    /// <summary>Largest gRPC message sent or received, in bytes. Default 4 MiB (tensor chunks are ≤ 1 MiB, as on the coordinator).</summary>
    public int MaxMessageBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Longest a unary call (join, evaluation, leave) may take before it counts as unreachable. Default 30 s.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest a model download or an update upload may take. Default 10 min.</summary>
    public TimeSpan TransferTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long the coordinator may hold a long poll beyond the wait asked for, before the call counts as lost. Default 15 s.</summary>
    public TimeSpan PollGrace { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Value bytes per uploaded tensor chunk, ≤ 1 MiB. Default 1 MiB.</summary>
    public int ChunkBytes { get; init; } = Federated.Protos.TensorBytes.MaxChunkBytes;

    /// <summary>
    /// HTTP/2 receive window of each call, in bytes: how much of a model download the coordinator may send before this node
    /// has read it. Larger windows mean fewer WINDOW_UPDATE round trips and fewer, larger writes on the coordinator (about
    /// 8 % of its CPU per node and round for a 4 MB model on loopback, against .NET's 64 KiB start), at the cost of that
    /// much buffering per download. Used by the default handler only (not with <see cref="HttpHandler"/>). Default 4 MiB;
    /// range [64 KiB, 16 MiB].
    /// </summary>
    public int Http2StreamWindowBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>An HTTP handler to use instead of the default one (tests, proxies, client certificates).</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>
    /// A model this process has already compiled, e.g. one shared by many connections of a simulation: a join whose
    /// spec (as JSON) is this model's gets this instance instead of a compilation of its own. Default null: the first
    /// join compiles the run's spec.
    /// </summary>
    public CompiledModel? Model { get; init; }

    /// <summary>
    /// Whether updates go through the coordinator's bulk port when it has one (<c>BeginBulkUpload</c>: the values over a
    /// plain TCP or TLS connection, which costs the coordinator far less CPU than gRPC messages). A coordinator without
    /// one, or one that offers plaintext to a node whose address is <c>https://</c>, gets <c>SubmitUpdate</c> instead.
    /// Default true.
    /// </summary>
    public bool BulkUploads { get; init; } = true;

    /// <summary>
    /// Checks the bulk port's TLS certificate instead of the system's validation for the coordinator's host name (tests,
    /// private certificate authorities); null: the system's. Default null.
    /// </summary>
    public System.Net.Security.RemoteCertificateValidationCallback? BulkCertificateValidation { get; init; }
}
