using System.Runtime.InteropServices;
using Federated.Model.Parameters;
using Federated.Model.Updates;
using Microsoft.Win32.SafeHandles;

namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>
/// The updates of one round, kept together for the rules that need all of them at once (median, trimmed mean, Krum,
/// the norm bound). Values are copied (the caller's arrays are reused for the next upload) into memory while the
/// round's values fit in <see cref="UpdateBufferOptions.MemoryLimitBytes"/>; each later update goes whole to a temporary
/// file opened with <see cref="FileOptions.DeleteOnClose"/>, read back one coordinate block at a time.
/// </summary>
/// <remarks>
/// Memory: with n updates of V floats each (V = the shared parameters for a dense update; rows sent × columns for a
/// row-sparse table), at most <c>min(4·n·V, MemoryLimitBytes)</c> bytes of values, plus, kept in memory whatever the
/// limit, 4 bytes per row id sent and about 8 × (tensors + 1) + 100 bytes of bookkeeping per update. The value arrays of
/// a run's last finished round are kept for its next round (<see cref="RecycledArrays"/>) and counted in the same limit,
/// so between rounds up to MemoryLimitBytes stay allocated per run that used a buffering strategy. The spill file holds
/// the rest (4 bytes per value) and is deleted when the buffer is disposed (or, for an abandoned round, when its handle is
/// finalised). Not thread-safe: the engine serialises a round's calls.
/// </remarks>
internal sealed class UpdateBuffer : IDisposable
{
    private readonly ParameterLayout _layout;
    private readonly Dictionary<string, int> _index;
    private readonly UpdateBufferOptions _options;
    private readonly RecycledArrays? _recycled;
    private readonly List<BufferedUpdate> _updates = [];
    private long _memoryBytes;
    private SafeFileHandle? _spill;
    private long _spillBytes;
    private bool _disposed;

    /// <param name="layout">The layout of the round's updates.</param>
    /// <param name="options">The memory limit and the spill directory.</param>
    /// <param name="recycled">Arrays of the run's previous round to reuse, counted against the limit; null: none.</param>
    public UpdateBuffer(ParameterLayout layout, UpdateBufferOptions options, RecycledArrays? recycled = null)
    {
        _layout = layout;
        _options = options;
        _recycled = recycled;
        _index = new Dictionary<string, int>(layout.Tensors.Count, StringComparer.Ordinal);
        for (var i = 0; i < layout.Tensors.Count; i++)
        {
            _index[layout.Tensors[i].Name] = i;
        }
    }

    /// <summary>The layout the updates follow.</summary>
    public ParameterLayout Layout => _layout;

    /// <summary>Updates kept, in arrival order.</summary>
    public int Count => _updates.Count;

    /// <summary>Bytes of values held in memory.</summary>
    public long MemoryBytes => _memoryBytes;

    /// <summary>Bytes of values written to the spill file.</summary>
    public long SpilledBytes => _spillBytes;

    /// <summary>The update that arrived <paramref name="k"/>-th.</summary>
    public BufferedUpdate this[int k] => _updates[k];

    /// <summary>Copies an update in; the delta's arrays are not kept.</summary>
    /// <exception cref="ArgumentException">The delta names a tensor that is not in the layout.</exception>
    public void Add(ModelDelta delta, UpdateWeights weights)
    {
        ArgumentNullException.ThrowIfNull(delta);
        ArgumentNullException.ThrowIfNull(weights);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var count = _layout.Tensors.Count;
        var parts = new TensorDelta?[count];
        foreach (var tensor in delta.Tensors)
        {
            if (!_index.TryGetValue(tensor.Name, out var i))
            {
                throw new ArgumentException($"tensor '{tensor.Name}' is not part of the round's layout", nameof(delta));
            }

            parts[i] = tensor;
        }

        var present = new bool[count];
        var rows = new int[]?[count];
        var starts = new long[count + 1];
        long total = 0;
        for (var i = 0; i < count; i++)
        {
            starts[i] = total;
            if (parts[i] is { } part)
            {
                present[i] = true;
                rows[i] = part.Rows is null ? null : (int[])part.Rows.Clone();
                total += part.Values.Length;
            }
        }

        starts[count] = total;
        var update = new BufferedUpdate(weights, delta.L2Norm(), present, rows, starts);
        var bytes = total * sizeof(float);
        if (_memoryBytes + bytes <= _options.MemoryLimitBytes)
        {
            var values = _recycled?.Take(checked((int)total)) ?? GC.AllocateUninitializedArray<float>(checked((int)total));
            _recycled?.Trim(_options.MemoryLimitBytes - _memoryBytes - bytes);
            for (var i = 0; i < count; i++)
            {
                if (parts[i] is { } part)
                {
                    part.Values.AsSpan().CopyTo(values.AsSpan((int)starts[i]));
                }
            }

            update.Values = values;
            _memoryBytes += bytes;
        }
        else
        {
            var file = _spill ??= OpenSpillFile();
            update.FileOffset = _spillBytes;
            for (var i = 0; i < count; i++)
            {
                if (parts[i] is { } part)
                {
                    RandomAccess.Write(file, MemoryMarshal.AsBytes(part.Values.AsSpan()), _spillBytes + (starts[i] * sizeof(float)));
                }
            }

            _spillBytes += bytes;
        }

        _updates.Add(update);
    }

    /// <summary>
    /// Copies values <c>[start, start + destination.Length)</c> of tensor <paramref name="tensor"/> (a position in the
    /// layout) as update <paramref name="k"/> sent them (for a row-sparse table, position s × columns is its s-th row).
    /// </summary>
    public void Read(int k, int tensor, long start, Span<float> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var update = _updates[k];
        var from = update.Starts[tensor] + start;
        if (from + destination.Length > update.Starts[tensor + 1])
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"values [{start}, {start + destination.Length}) are past what update {k} sent of tensor {tensor}");
        }

        if (update.Values is { } values)
        {
            values.AsSpan(checked((int)from), destination.Length).CopyTo(destination);
            return;
        }

        var bytes = MemoryMarshal.AsBytes(destination);
        var offset = update.FileOffset + (from * sizeof(float));
        while (!bytes.IsEmpty)
        {
            var read = RandomAccess.Read(_spill!, bytes, offset);
            if (read <= 0)
            {
                throw new IOException($"the spill file ended at byte {offset}, inside update {k}");
            }

            bytes = bytes[read..];
            offset += read;
        }
    }

    /// <summary>Releases the values and deletes the spill file.</summary>
    public void Dispose() => Retire(null);

    /// <summary>
    /// Like <see cref="Dispose"/>, handing the in-memory value arrays to <paramref name="recycled"/> for the run's next
    /// round (the caller guarantees nobody reads this buffer again).
    /// </summary>
    public void Retire(RecycledArrays? recycled)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _spill?.Dispose();
        recycled?.Replace(_updates.Select(u => u.Values).OfType<float[]>());
        _updates.Clear();
    }

    private SafeFileHandle OpenSpillFile()
    {
        var directory = string.IsNullOrEmpty(_options.SpillDirectory) ? Path.GetTempPath() : _options.SpillDirectory;
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"federated-round-{Guid.NewGuid():N}.spill");
        return File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
    }
}
