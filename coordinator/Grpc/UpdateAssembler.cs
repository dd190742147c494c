using Federated.Coordinator.Rounds;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Updates;
using Federated.Protos;
using Federated.Protos.V1;

namespace Federated.Coordinator.Grpc;

/// <summary>
/// Rebuilds a <see cref="NodeUpdate"/> from an upload stream: the header first, then tensor chunks. Memory is bounded
/// by the model's shared size: a dense tensor never holds more than its length, a sparse one more than its rows.
/// </summary>
internal sealed class UpdateAssembler
{
    private readonly UpdateHeader _header;
    private readonly ParameterLayout _layout;
    private readonly Dictionary<string, TensorBuilder> _tensors = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public UpdateAssembler(UpdateHeader header, ParameterLayout layout)
    {
        _header = header;
        _layout = layout;
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

    public NodeUpdate Build()
    {
        var deltas = new List<TensorDelta>(_order.Count);
        foreach (var name in _order)
        {
            var builder = _tensors[name];
            if (builder.Sparse)
            {
                deltas.Add(new TensorDelta(name, builder.Values.AsSpan(0, builder.Filled).ToArray(), [.. builder.Rows!]));
            }
            else
            {
                if (builder.Filled != builder.Tensor.Length)
                {
                    throw Reject(Rejection.WrongShape, $"tensor '{name}' needs {builder.Tensor.Length} values, only {builder.Filled} arrived");
                }

                deltas.Add(new TensorDelta(name, builder.Values));
            }
        }

        var taskExamples = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in _header.TaskExamples)
        {
            if (!taskExamples.TryAdd(entry.Task, entry.Count))
            {
                throw Reject(Rejection.InvalidExampleCount, $"task '{entry.Task}' has two example counts");
            }
        }

        var metrics = new List<TaskMetrics>(_header.TrainingMetrics.Count);
        foreach (var summary in _header.TrainingMetrics)
        {
            metrics.Add(ReadMetrics(summary));
        }

        return new NodeUpdate
        {
            RunId = _header.RunId,
            Round = _header.Round,
            BaseVersion = _header.BaseVersion,
            NodeId = _header.NodeId,
            UploadId = _header.UploadId,
            Examples = _header.Examples,
            TaskExamples = taskExamples,
            TrainingMetrics = metrics,
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

        TensorBytes.CopyTo(chunk.Values, builder.Values.AsSpan(builder.Filled, count));
        builder.Filled += count;
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
        builder.EnsureCapacity(builder.Filled + count);
        TensorBytes.CopyTo(chunk.Values, builder.Values.AsSpan(builder.Filled, count));
        builder.Filled += count;
    }

    private static RejectionException Reject(Rejection reason, string message) => new(reason, message);

    private sealed class TensorBuilder
    {
        public TensorBuilder(TensorInfo tensor, bool sparse)
        {
            Tensor = tensor;
            Sparse = sparse;
            // A sparse table grows as rows arrive; it never exceeds the table.
            Values = new float[sparse ? Math.Min(tensor.Length, 1 << 16) : tensor.Length];
            Rows = sparse ? [] : null;
        }

        public TensorInfo Tensor { get; }

        public bool Sparse { get; }

        public float[] Values { get; private set; }

        public List<int>? Rows { get; }

        public int Filled { get; set; }

        public void EnsureCapacity(int needed)
        {
            if (needed > Values.Length)
            {
                var values = Values;
                Array.Resize(ref values, (int)Math.Min(Tensor.Length, Math.Max(needed, 2L * Values.Length)));
                Values = values;
            }
        }
    }
}
