using System.Numerics.Tensors;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;

namespace Federated.Model.Network;

/// <summary>
/// Builds x [n, InputWidth] = concat(pooled field embeddings, numeric features[, e_a ⊙ e_b]) by row gathers, adds the
/// per-row field biases and a dot interaction to task outputs, and scatters dL/dx and dL/d(output) back into
/// row-sparse embedding gradients (a bag's mean spreads its gradient evenly over its tokens).
/// </summary>
/// <remarks>
/// A field's table has <see cref="FieldSpec.Columns"/> columns: its embedding in the first <see cref="FieldSpec.Dim"/>,
/// then one bias per task of <see cref="FieldSpec.BiasTasks"/>. With o_t the output of task t's tower, the task's output
/// becomes o_t + Σ_f b_f,t[row_f] + [t in the dot interaction's tasks]·⟨e_a, e_b⟩ (Koren et al. 2009, biased MF), so
/// ∂L/∂b_f,t[row] = ∂L/∂o_t (shared over a bag's tokens), ∂L/∂e_a += ∂L/∂o_t·e_b and ∂L/∂e_b += ∂L/∂o_t·e_a. A product
/// interaction p = e_a ⊙ e_b in x (He et al. 2017, NeuMF's GMF branch) gives ∂L/∂e_a += ∂L/∂p ⊙ e_b and
/// ∂L/∂e_b += ∂L/∂p ⊙ e_a.
/// </remarks>
internal sealed partial class EmbeddingInput
{
    private readonly FieldSpec[] _fields;
    private readonly TensorInfo[] _tables;
    private readonly int[] _columns;
    private readonly int _numericColumn;
    private readonly int _numericCount;

    // Per task: the (field, table column) of every row bias added to its output; empty for tasks without any.
    private readonly (int Field, int Column)[][] _biasesOfTask;

    // Per field: the task index of each of its bias columns, in column order.
    private readonly int[][] _biasTasksOfField;
    private readonly bool[] _dotTasks;
    private readonly int _interactionA = -1;
    private readonly int _interactionB = -1;
    private readonly int _productColumn = -1;

    public EmbeddingInput(ModelSpec spec, ParameterLayout layout)
    {
        _fields = [.. spec.Fields];
        _tables = new TensorInfo[_fields.Length];
        _columns = new int[_fields.Length];
        _biasTasksOfField = new int[_fields.Length][];
        var column = 0;
        var biases = new List<(int, int)>[spec.Tasks.Count];
        for (var t = 0; t < biases.Length; t++)
        {
            biases[t] = [];
        }

        for (var f = 0; f < _fields.Length; f++)
        {
            _tables[f] = layout[TensorNames.Embedding(_fields[f].Name)];
            _columns[f] = column;
            column += _fields[f].Dim;
            var biasTasks = _fields[f].BiasTasks ?? [];
            _biasTasksOfField[f] = new int[biasTasks.Count];
            for (var k = 0; k < biasTasks.Count; k++)
            {
                var task = spec.TaskIndex(biasTasks[k]);
                _biasTasksOfField[f][k] = task;
                biases[task].Add((f, _fields[f].Dim + k));
            }
        }

        _biasesOfTask = [.. biases.Select(b => b.ToArray())];
        _numericColumn = column;
        _numericCount = spec.Numeric.Count;
        Width = column + _numericCount;
        _dotTasks = new bool[spec.Tasks.Count];
        if (spec.Interaction is { } interaction)
        {
            _interactionA = spec.FieldIndex(interaction.Fields[0]);
            _interactionB = spec.FieldIndex(interaction.Fields[1]);
            if (interaction.Kind == InteractionKind.Product)
            {
                _productColumn = Width;
                Width += _fields[_interactionA].Dim;
            }
            else
            {
                foreach (var task in interaction.Tasks)
                {
                    _dotTasks[spec.TaskIndex(task)] = true;
                }
            }
        }

        HasOutputTerms = _biasesOfTask.Any(b => b.Length > 0) || _dotTasks.Any(d => d);
    }

    public int Width { get; }

    /// <summary>Whether any task output gets a row bias or a dot interaction (otherwise the output terms are skipped).</summary>
    public bool HasOutputTerms { get; }

    public void Gather(ReadOnlySpan<float> parameters, Batch batch, int start, int n, Span<float> x)
    {
        for (var f = 0; f < _fields.Length; f++)
        {
            var table = _tables[f];
            var stride = table.Columns;
            var dim = _fields[f].Dim;
            var ids = batch.Ids(f);
            var values = parameters.Slice(table.Offset, table.Length);
            if (!_fields[f].MultiValued)
            {
                for (var i = 0; i < n; i++)
                {
                    var row = CheckedRow(ids[start + i], f, start + i);
                    values.Slice(row * stride, dim).CopyTo(x.Slice((i * Width) + _columns[f], dim));
                }

                continue;
            }

            var offsets = batch.BagOffsets(f);
            for (var i = 0; i < n; i++)
            {
                var target = x.Slice((i * Width) + _columns[f], dim);
                target.Clear();
                var from = offsets[start + i];
                var to = offsets[start + i + 1];
                for (var k = from; k < to; k++)
                {
                    var row = CheckedRow(ids[k], f, start + i);
                    TensorPrimitives.Add(target, values.Slice(row * stride, dim), target);
                }

                if (to - from > 1)
                {
                    TensorPrimitives.Multiply(target, 1f / (to - from), target);
                }
            }
        }

        if (_numericCount > 0)
        {
            var numeric = batch.Numeric;
            for (var i = 0; i < n; i++)
            {
                numeric.Slice((start + i) * _numericCount, _numericCount).CopyTo(x.Slice((i * Width) + _numericColumn, _numericCount));
            }
        }

        if (_productColumn >= 0)
        {
            var dim = _fields[_interactionA].Dim;
            for (var i = 0; i < n; i++)
            {
                var xi = x.Slice(i * Width, Width);
                TensorPrimitives.Multiply(xi.Slice(_columns[_interactionA], dim), xi.Slice(_columns[_interactionB], dim), xi.Slice(_productColumn, dim));
            }
        }
    }

    /// <summary>
    /// Adds task <paramref name="task"/>'s row biases and dot interaction to its outputs [n] (after <see cref="Gather"/>
    /// wrote <paramref name="x"/>).
    /// </summary>
    public void AddOutputTerms(ReadOnlySpan<float> parameters, Batch batch, int start, int n, ReadOnlySpan<float> x, int task, Span<float> outputs)
    {
        foreach (var (f, column) in _biasesOfTask[task])
        {
            AddPooledBias(parameters, batch, start, n, f, column, outputs, 1, 0);
        }

        if (_dotTasks[task])
        {
            var dim = _fields[_interactionA].Dim;
            for (var i = 0; i < n; i++)
            {
                var xi = x.Slice(i * Width, Width);
                outputs[i] += TensorPrimitives.Dot(xi.Slice(_columns[_interactionA], dim), xi.Slice(_columns[_interactionB], dim));
            }
        }
    }

    /// <summary>
    /// Scatters dL/dx [n, Width] (and, for the output terms, dL/d(output) per task, <paramref name="dOutputs"/>[t][i])
    /// into the row gradients. <paramref name="dx"/> is modified: the interaction's gradients are added into the two
    /// fields' columns first.
    /// </summary>
    public void Scatter(Batch batch, int start, int n, ReadOnlySpan<float> x, Span<float> dx, float[][] dOutputs, RowGradients[] gradients)
    {
        if (_interactionA >= 0)
        {
            AddInteractionGradients(x, dx, dOutputs, n);
        }

        for (var f = 0; f < _fields.Length; f++)
        {
            var dim = _fields[f].Dim;
            var biasTasks = _biasTasksOfField[f];
            var ids = batch.Ids(f);
            var rows = gradients[f];
            if (!_fields[f].MultiValued)
            {
                for (var i = 0; i < n; i++)
                {
                    var target = rows.For(ids[start + i]);
                    var embedding = target[..dim];
                    TensorPrimitives.Add(embedding, dx.Slice((i * Width) + _columns[f], dim), embedding);
                    if (biasTasks.Length > 0)
                    {
                        AddBiasGradients(biasTasks, dOutputs, i, 1f, target[dim..]);
                    }
                }

                continue;
            }

            var offsets = batch.BagOffsets(f);
            for (var i = 0; i < n; i++)
            {
                var from = offsets[start + i];
                var to = offsets[start + i + 1];
                var source = dx.Slice((i * Width) + _columns[f], dim);
                var share = 1f / Math.Max(1, to - from);
                for (var k = from; k < to; k++)
                {
                    var target = rows.For(ids[k]);
                    var embedding = target[..dim];
                    TensorPrimitives.MultiplyAdd(source, share, embedding, embedding);
                    if (biasTasks.Length > 0)
                    {
                        AddBiasGradients(biasTasks, dOutputs, i, share, target[dim..]);
                    }
                }
            }
        }
    }

    private static void AddBiasGradients(int[] biasTasks, float[][] dOutputs, int example, float share, Span<float> target)
    {
        for (var k = 0; k < biasTasks.Length; k++)
        {
            target[k] += share * dOutputs[biasTasks[k]][example];
        }
    }

    private void AddInteractionGradients(ReadOnlySpan<float> x, Span<float> dx, float[][] dOutputs, int n)
    {
        var dim = _fields[_interactionA].Dim;
        var a = _columns[_interactionA];
        var b = _columns[_interactionB];
        for (var i = 0; i < n; i++)
        {
            var xi = x.Slice(i * Width, Width);
            var dxi = dx.Slice(i * Width, Width);
            var ea = xi.Slice(a, dim);
            var eb = xi.Slice(b, dim);
            var dea = dxi.Slice(a, dim);
            var deb = dxi.Slice(b, dim);
            if (_productColumn >= 0)
            {
                var dp = dxi.Slice(_productColumn, dim);
                TensorPrimitives.MultiplyAdd(dp, eb, dea, dea);
                TensorPrimitives.MultiplyAdd(dp, ea, deb, deb);
                continue;
            }

            for (var t = 0; t < _dotTasks.Length; t++)
            {
                if (_dotTasks[t])
                {
                    var g = dOutputs[t][i];
                    TensorPrimitives.MultiplyAdd(eb, g, dea, dea);
                    TensorPrimitives.MultiplyAdd(ea, g, deb, deb);
                }
            }
        }
    }

    private int CheckedRow(int row, int field, int example)
    {
        if ((uint)row >= (uint)_fields[field].Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row,
                $"example {example}: field '{_fields[field].Name}' has {_fields[field].Rows} rows, so id {row} is out of range");
        }

        return row;
    }

    /// <summary>
    /// Adds column <paramref name="column"/> of field <paramref name="f"/>'s looked-up row (the mean over a bag's rows) of
    /// examples start..start + n to <c>destination[i × stride + offset]</c>: a row bias, for outputs or attributions alike.
    /// </summary>
    private void AddPooledBias(ReadOnlySpan<float> parameters, Batch batch, int start, int n, int f, int column, Span<float> destination, int stride, int offset)
    {
        var table = _tables[f];
        var columns = table.Columns;
        var values = parameters.Slice(table.Offset, table.Length);
        var ids = batch.Ids(f);
        if (!_fields[f].MultiValued)
        {
            for (var i = 0; i < n; i++)
            {
                destination[(i * stride) + offset] += values[(ids[start + i] * columns) + column];
            }

            return;
        }

        var offsets = batch.BagOffsets(f);
        for (var i = 0; i < n; i++)
        {
            var from = offsets[start + i];
            var to = offsets[start + i + 1];
            var sum = 0f;
            for (var k = from; k < to; k++)
            {
                sum += values[(ids[k] * columns) + column];
            }

            destination[(i * stride) + offset] += to - from > 1 ? sum / (to - from) : sum;
        }
    }
}
