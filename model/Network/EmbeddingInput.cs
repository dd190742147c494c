using System.Numerics.Tensors;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;

namespace Federated.Model.Network;

/// <summary>
/// Builds x [n, InputWidth] = concat(pooled field embeddings, numeric features) by row gathers, and scatters dL/dx back
/// into row-sparse embedding gradients (a bag's mean spreads its gradient evenly over its tokens).
/// </summary>
internal sealed class EmbeddingInput
{
    private readonly FieldSpec[] _fields;
    private readonly TensorInfo[] _tables;
    private readonly int[] _columns;
    private readonly int _numericColumn;
    private readonly int _numericCount;

    public EmbeddingInput(ModelSpec spec, ParameterLayout layout)
    {
        _fields = [.. spec.Fields];
        _tables = new TensorInfo[_fields.Length];
        _columns = new int[_fields.Length];
        var column = 0;
        for (var f = 0; f < _fields.Length; f++)
        {
            _tables[f] = layout[TensorNames.Embedding(_fields[f].Name)];
            _columns[f] = column;
            column += _fields[f].Dim;
        }

        _numericColumn = column;
        _numericCount = spec.Numeric.Count;
        Width = column + _numericCount;
    }

    public int Width { get; }

    public void Gather(ReadOnlySpan<float> parameters, Batch batch, int start, int n, Span<float> x)
    {
        for (var f = 0; f < _fields.Length; f++)
        {
            var table = _tables[f];
            var dim = table.Columns;
            var ids = batch.Ids(f);
            var values = parameters.Slice(table.Offset, table.Length);
            if (!_fields[f].MultiValued)
            {
                for (var i = 0; i < n; i++)
                {
                    var row = CheckedRow(ids[start + i], f, start + i);
                    values.Slice(row * dim, dim).CopyTo(x.Slice((i * Width) + _columns[f], dim));
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
                    TensorPrimitives.Add(target, values.Slice(row * dim, dim), target);
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
    }

    public void Scatter(Batch batch, int start, int n, ReadOnlySpan<float> dx, RowGradients[] gradients)
    {
        for (var f = 0; f < _fields.Length; f++)
        {
            var dim = _tables[f].Columns;
            var ids = batch.Ids(f);
            var rows = gradients[f];
            if (!_fields[f].MultiValued)
            {
                for (var i = 0; i < n; i++)
                {
                    var target = rows.For(ids[start + i]);
                    TensorPrimitives.Add(target, dx.Slice((i * Width) + _columns[f], dim), target);
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
                    TensorPrimitives.MultiplyAdd(source, share, target, target);
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
}
