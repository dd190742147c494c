using Federated.Coordinator.Hosting;
using Federated.Coordinator.Rounds;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Coordinator.Grpc;

/// <summary>
/// The limits of one upload, counted chunk by chunk before the chunk is assembled: at most
/// <see cref="CoordinatorOptions.MaxUploadChunks"/> chunks; at most <see cref="MaxBytes"/> payload bytes (float32
/// values plus 4 per sparse row id) = <see cref="CoordinatorOptions.MaxUploadModelMultiple"/> × the run's shared
/// float32 size + 1 MiB; no empty chunk except the first of its tensor (an untouched sparse table is one empty chunk).
/// The time limit, <see cref="CoordinatorOptions.MaxUploadSeconds"/>, is enforced by the caller's cancellation.
/// </summary>
internal sealed class UploadBudget
{
    private const long HeadroomBytes = 1 << 20;

    private readonly int _maxChunks;
    private readonly HashSet<string> _tensors = new(StringComparer.Ordinal);
    private int _chunks;
    private long _bytes;

    public UploadBudget(CoordinatorOptions options, ParameterLayout layout)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(layout);
        _maxChunks = options.MaxUploadChunks;
        MaxBytes = (long)(options.MaxUploadModelMultiple * layout.ScopeLength(ParameterScope.Shared) * sizeof(float)) + HeadroomBytes;
    }

    /// <summary>The most payload bytes this upload may carry.</summary>
    public long MaxBytes { get; }

    /// <summary>Counts <paramref name="chunk"/>; throws the refusal if it breaks a limit.</summary>
    public void Count(TensorChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (++_chunks > _maxChunks)
        {
            throw RejectionStatus.Create(StatusCode.ResourceExhausted, RejectionStatus.TooLarge, $"an upload may have at most {_maxChunks} chunks");
        }

        var first = _tensors.Add(chunk.Name);
        if (chunk.Values.IsEmpty && chunk.RowIds.Count == 0 && !first)
        {
            throw new RejectionException(Rejection.MalformedUpload, "an empty chunk is allowed only as the first chunk of its tensor");
        }

        _bytes += chunk.Values.Length + (4L * chunk.RowIds.Count);
        if (_bytes > MaxBytes)
        {
            throw RejectionStatus.Create(StatusCode.ResourceExhausted, RejectionStatus.TooLarge, $"an upload may carry at most {MaxBytes} bytes of values and row ids");
        }
    }
}
