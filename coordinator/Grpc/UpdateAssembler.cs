using Federated.Coordinator.Uploads;
using Google.Protobuf;
using Federated.Coordinator.Rounds;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Updates;
using Federated.Protos;
using Federated.Protos.V1;

namespace Federated.Coordinator.Grpc;

/// <summary>
/// Rebuilds a <see cref="NodeUpdate"/> from an upload stream: the header first (read by <see cref="ReadHeader"/> and
/// admitted by <see cref="RoundEngine.AdmitUpload"/> before an assembler is made), then tensor chunks.
/// </summary>
/// <remarks>
/// Memory grows with what the node sends, never ahead of it, and each value is copied once from the chunk protobuf
/// decoded into the array the update keeps. A dense tensor's array is allocated at its full length from its second
/// non-empty chunk on, once at least half of its values have arrived; every later chunk is decoded straight into it and
/// dropped. Until then (a tensor sent in one chunk, the first half of a larger one) and for row-sparse tables, whose
/// final size is known only at the end, chunks are kept as received and copied at <see cref="Build"/>. So the floats
/// allocated never exceed twice the floats received, one builder per shared tensor of the layout whatever the stream
/// names. Chunk checks (names, offsets, shapes, rows) happen as each chunk arrives.
/// </remarks>
internal sealed class UpdateAssembler
{
    private readonly NodeUpdateHeader _header;
    private readonly ParameterLayout _layout;
    private readonly Dictionary<string, TensorBuilder> _tensors = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly TensorArrayPool? _pool;

    /// <summary>Creates the assembler of one upload.</summary>
    /// <param name="header">The admitted header.</param>
    /// <param name="layout">The run's layout.</param>
    /// <param name="pool">Where dense tensor arrays come from and go back to (<see cref="ReturnArrays"/>); null: new arrays.</param>
    public UpdateAssembler(NodeUpdateHeader header, ParameterLayout layout, TensorArrayPool? pool = null)
    {
        _header = header;
        _layout = layout;
        _pool = pool;
    }

    /// <summary>
    /// Floats allocated so far for tensor values: at most twice the floats received while the upload streams (0 until
    /// some tensor's second chunk completes half of it), then the floats the update holds after <see cref="Build"/>.
    /// </summary>
    public long AllocatedFloats { get; private set; }

    /// <summary>Reads an upload's header: its counts per task (each task once) and its metric summaries.</summary>
    /// <exception cref="RejectionException">A task counted twice, or a malformed metric summary.</exception>
    public static NodeUpdateHeader ReadHeader(UpdateHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var taskExamples = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in header.TaskExamples)
        {
            if (!taskExamples.TryAdd(entry.Task, entry.Count))
            {
                throw Reject(Rejection.InvalidExampleCount, $"task '{entry.Task}' has two example counts");
            }
        }

        var metrics = new List<TaskMetrics>(header.TrainingMetrics.Count);
        foreach (var summary in header.TrainingMetrics)
        {
            metrics.Add(ReadMetrics(summary));
        }

        return new NodeUpdateHeader
        {
            RunId = header.RunId,
            Round = header.Round,
            BaseVersion = header.BaseVersion,
            NodeId = header.NodeId,
            UploadId = header.UploadId,
            Examples = header.Examples,
            TaskExamples = taskExamples,
            TrainingMetrics = metrics,
        };
    }

    public void Add(TensorChunk chunk)
    {
        if (!_layout.TryGet(chunk.Name, out var tensor))
        {
            throw Reject(Rejection.UnexpectedTensor, $"tensor '{chunk.Name}' is not part of the model");
        }

        if (tensor.Scope != ParameterScope.Shared)
        {
            throw Reject(Rejection.UnexpectedTensor, $"tensor '{chunk.Name}' is local: it must not be sent");
        }

        var count = TensorBytes.FloatCount(chunk.Values);
        if (count < 0)
        {
            throw Reject(Rejection.MalformedUpload, $"tensor '{chunk.Name}': a chunk of {chunk.Values.Length} bytes is not whole float32 values");
        }

        if (!_tensors.TryGetValue(chunk.Name, out var builder))
        {
            builder = new TensorBuilder(tensor, chunk.Sparse, _pool);
            _tensors[chunk.Name] = builder;
            _order.Add(chunk.Name);
        }

        if (builder.Sparse != chunk.Sparse)
        {
            throw Reject(Rejection.WrongShape, $"tensor '{chunk.Name}' mixes dense and sparse chunks");
        }

        if (chunk.Sparse)
        {
            AddSparse(builder, tensor, chunk, count);
        }
        else
        {
            AddDense(builder, tensor, chunk, count);
        }
    }

    /// <summary>The update: every dense tensor complete, values in the order they arrived.</summary>
    /// <exception cref="RejectionException">A dense tensor is incomplete (checked before anything more is allocated).</exception>
    public NodeUpdate Build()
    {
        foreach (var name in _order)
        {
            var builder = _tensors[name];
            if (!builder.Sparse && builder.Filled != builder.Tensor.Length)
            {
                throw Reject(Rejection.WrongShape, $"tensor '{name}' needs {builder.Tensor.Length} values, only {builder.Filled} arrived");
            }
        }

        var deltas = new List<TensorDelta>(_order.Count);
        foreach (var name in _order)
        {
            var builder = _tensors[name];
            AllocatedFloats += builder.Complete();
            var values = builder.TakeValues();
            deltas.Add(builder.Sparse ? new TensorDelta(name, values, [.. builder.Rows!]) : new TensorDelta(name, values));
        }

        return new NodeUpdate(_header, new ModelDelta(deltas));
    }

    /// <summary>
    /// Gives the dense tensor arrays taken from the pool back to it, once the update built from them is no longer used
    /// (the engine has counted or refused it) or the upload failed, and the pooled value buffers of chunks still kept
    /// (<see cref="PooledBytes"/>). Does nothing the second time.
    /// </summary>
    public void ReturnArrays()
    {
        foreach (var builder in _tensors.Values)
        {
            builder.ReleasePending();
            if (_pool is not null && builder.TakePooled() is { } array)
            {
                _pool.Return(array);
            }
        }
    }

    public static TaskMetrics ReadMetrics(TaskSummary summary)
    {
        try
        {
            return TaskMetrics.FromArray(summary.Task, summary.Values.ToArray());
        }
        catch (ArgumentException e)
        {
            throw Reject(Rejection.InvalidMetrics, $"metrics of task '{summary.Task}' are malformed: {e.Message}");
        }
    }

    private void AddDense(TensorBuilder builder, TensorInfo tensor, TensorChunk chunk, int count)
    {
        if (chunk.RowIds.Count > 0)
        {
            throw Reject(Rejection.MalformedUpload, $"tensor '{chunk.Name}': a dense chunk carries row ids");
        }

        if (chunk.Offset != builder.Filled)
        {
            throw Reject(Rejection.MalformedUpload, $"tensor '{chunk.Name}': chunk at offset {chunk.Offset}, expected {builder.Filled} (chunks must be in order and contiguous)");
        }

        if (builder.Filled + (long)count > tensor.Length)
        {
            throw Reject(Rejection.WrongShape, $"tensor '{chunk.Name}' needs {tensor.Length} values ({string.Join('x', tensor.Shape)}), more arrived");
        }

        AllocatedFloats += builder.Append(chunk.Values, count);
    }

    private void AddSparse(TensorBuilder builder, TensorInfo tensor, TensorChunk chunk, int count)
    {
        if (tensor.Kind != TensorKind.Embedding)
        {
            throw Reject(Rejection.WrongShape, $"tensor '{chunk.Name}' is not an embedding table, so it cannot be sent row-sparse");
        }

        if (count != (long)chunk.RowIds.Count * tensor.Columns)
        {
            throw Reject(Rejection.WrongShape, $"tensor '{chunk.Name}': {chunk.RowIds.Count} rows of {tensor.Columns} need {chunk.RowIds.Count * tensor.Columns} values, not {count}");
        }

        if (builder.Rows!.Count + chunk.RowIds.Count > tensor.Rows)
        {
            throw Reject(Rejection.RowOutOfRange, $"tensor '{chunk.Name}' has {tensor.Rows} rows; more row ids arrived");
        }

        builder.Rows.AddRange(chunk.RowIds);
        AllocatedFloats += builder.Append(chunk.Values, count);
    }

    private static RejectionException Reject(Rejection reason, string message) => new(reason, message);

    private sealed class TensorBuilder
    {
        private readonly List<ByteString> _pending = [];
        private readonly TensorArrayPool? _pool;
        private float[]? _values;
        private bool _pooled;

        public TensorBuilder(TensorInfo tensor, bool sparse, TensorArrayPool? pool)
        {
            Tensor = tensor;
            Sparse = sparse;
            Rows = sparse ? [] : null;
            _pool = sparse ? null : pool;
        }

        public TensorInfo Tensor { get; }

        public bool Sparse { get; }

        public List<int>? Rows { get; }

        /// <summary>Floats received so far.</summary>
        public int Filled { get; private set; }

        /// <summary>
        /// Takes a chunk's values: decoded straight into the tensor's array once it exists, else kept as received.
        /// The array is allocated (returned: the floats allocated) from a dense tensor's second non-empty chunk, once
        /// half of the tensor has arrived with it, so it is never more than twice what the node sent.
        /// </summary>
        public long Append(ByteString values, int count)
        {
            if (count == 0)
            {
                return 0;
            }

            long allocated = 0;
            if (_values is null && !Sparse && _pending.Count > 0 && 2L * (Filled + count) >= Tensor.Length)
            {
                allocated = Allocate(Tensor.Length);
            }

            if (_values is not null)
            {
                TensorBytes.CopyTo(values, _values.AsSpan(Filled, count));
                PooledBytes.Release(values);
            }
            else
            {
                _pending.Add(values);
            }

            Filled += count;
            return allocated;
        }

        /// <summary>Allocates the array of a tensor whose chunks were all kept (exactly <see cref="Filled"/> floats); returns the floats allocated.</summary>
        public long Complete() => _values is null ? Allocate(Filled) : 0;

        /// <summary>The values received, in one array of exactly <see cref="Filled"/> floats (after <see cref="Complete"/>).</summary>
        public float[] TakeValues() => _values ?? throw new InvalidOperationException("the tensor is not complete");

        /// <summary>Gives back the pooled buffers of chunks still kept (an upload that failed before it was built).</summary>
        public void ReleasePending()
        {
            foreach (var chunk in _pending)
            {
                PooledBytes.Release(chunk);
            }

            _pending.Clear();
        }

        /// <summary>The array, if it came from the pool and was not given back yet; the builder forgets it.</summary>
        public float[]? TakePooled()
        {
            if (!_pooled)
            {
                return null;
            }

            _pooled = false;
            return _values;
        }

        /// <summary>
        /// Allocates the array (from the pool for a whole dense tensor) and copies the chunks kept so far into it; they are
        /// released. Every element is written before the update is built: a dense tensor is complete or refused.
        /// </summary>
        private long Allocate(int length)
        {
            _pooled = _pool is not null && length == Tensor.Length;
            _values = _pooled ? _pool!.Rent(length) : new float[length];
            var at = 0;
            foreach (var chunk in _pending)
            {
                var count = TensorBytes.FloatCount(chunk);
                TensorBytes.CopyTo(chunk, _values.AsSpan(at, count));
                PooledBytes.Release(chunk);
                at += count;
            }

            _pending.Clear();
            return length;
        }
    }
}
