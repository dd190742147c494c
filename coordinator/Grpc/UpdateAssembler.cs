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
/// Memory grows with what the node sends, never ahead of it: chunks are kept as received (protobuf's copy of their
/// bytes, empty ones dropped) and each tensor's array is allocated once, at <see cref="Build"/>, with exactly the values
/// that arrived and after every dense tensor was found complete; one builder per shared tensor of the layout, whatever
/// the stream names. Chunk checks (names, offsets, shapes, rows) still happen as each chunk arrives.
/// </remarks>
internal sealed class UpdateAssembler
{
    private readonly NodeUpdateHeader _header;
    private readonly ParameterLayout _layout;
    private readonly Dictionary<string, TensorBuilder> _tensors = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public UpdateAssembler(NodeUpdateHeader header, ParameterLayout layout)
    {
        _header = header;
        _layout = layout;
    }

    /// <summary>Floats allocated so far for tensor values: 0 until <see cref="Build"/>, then the floats the update holds.</summary>
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
            builder = new TensorBuilder(tensor, chunk.Sparse);
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
    /// <exception cref="RejectionException">A dense tensor is incomplete (checked before anything is allocated).</exception>
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
            var values = builder.TakeValues();
            AllocatedFloats += values.Length;
            deltas.Add(builder.Sparse ? new TensorDelta(name, values, [.. builder.Rows!]) : new TensorDelta(name, values));
        }

        return new NodeUpdate
        {
            RunId = _header.RunId,
            Round = _header.Round,
            BaseVersion = _header.BaseVersion,
            NodeId = _header.NodeId,
            UploadId = _header.UploadId,
            Examples = _header.Examples,
            TaskExamples = _header.TaskExamples,
            TrainingMetrics = _header.TrainingMetrics,
            Delta = new ModelDelta(deltas),
        };
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

    private static void AddDense(TensorBuilder builder, TensorInfo tensor, TensorChunk chunk, int count)
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

        builder.Append(chunk.Values, count);
    }

    private static void AddSparse(TensorBuilder builder, TensorInfo tensor, TensorChunk chunk, int count)
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
        builder.Append(chunk.Values, count);
    }

    private static RejectionException Reject(Rejection reason, string message) => new(reason, message);

    private sealed class TensorBuilder
    {
        private readonly List<ByteString> _chunks = [];

        public TensorBuilder(TensorInfo tensor, bool sparse)
        {
            Tensor = tensor;
            Sparse = sparse;
            Rows = sparse ? [] : null;
        }

        public TensorInfo Tensor { get; }

        public bool Sparse { get; }

        public List<int>? Rows { get; }

        /// <summary>Floats received so far.</summary>
        public int Filled { get; private set; }

        /// <summary>Keeps a chunk's values as received (protobuf's own copy); nothing is allocated for the tensor yet.</summary>
        public void Append(ByteString values, int count)
        {
            if (count > 0)
            {
                _chunks.Add(values);
                Filled += count;
            }
        }

        /// <summary>The values received, in one array of exactly <see cref="Filled"/> floats; the chunks are released.</summary>
        public float[] TakeValues()
        {
            var values = new float[Filled];
            var at = 0;
            foreach (var chunk in _chunks)
            {
                var count = TensorBytes.FloatCount(chunk);
                TensorBytes.CopyTo(chunk, values.AsSpan(at, count));
                at += count;
            }

            _chunks.Clear();
            return values;
        }
    }
}
