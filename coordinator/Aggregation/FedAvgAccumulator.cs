using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Coordinator.Aggregation;

/// <summary>
/// The buffers of one FedAvg round over a layout: weighted sums (double, one per parameter), the total weight of each
/// dense tensor and of each row of a shared embedding table, and which rows a round touched. Reused from round to round
/// of a run (<see cref="FedAvgStrategy"/>): <see cref="Clear"/> zeroes only what the last round wrote, so a round that
/// sent 1 % of a table's rows costs 1 % of the table to fold, finish and clear.
/// </summary>
internal sealed class FedAvgAccumulator
{
    private readonly string?[] _taskOf;
    private readonly Dictionary<string, int> _index;

    public FedAvgAccumulator(ParameterLayout layout, CompiledModel model)
    {
        Layout = layout;
        var count = layout.Tensors.Count;
        _taskOf = new string?[count];
        _index = new Dictionary<string, int>(count, StringComparer.Ordinal);
        Sum = new double[layout.TotalLength];
        TensorWeight = new double[count];
        RowWeight = new double[]?[count];
        TouchedRows = new List<int>?[count];
        AllRows = new bool[count];
        for (var i = 0; i < count; i++)
        {
            var tensor = layout.Tensors[i];
            _index[tensor.Name] = i;
            _taskOf[i] = model.TaskOf(tensor);
            if (tensor.Kind == TensorKind.Embedding && tensor.Scope == ParameterScope.Shared)
            {
                RowWeight[i] = new double[tensor.Rows];
                TouchedRows[i] = [];
            }
        }
    }

    /// <summary>The layout the buffers follow.</summary>
    public ParameterLayout Layout { get; }

    /// <summary>Σ_k w_k Δ_k per parameter, at the layout's offsets.</summary>
    public double[] Sum { get; }

    /// <summary>Σ_k w_k of each tensor without per-row weights (0: no update carried it).</summary>
    public double[] TensorWeight { get; }

    /// <summary>Σ_k w_k of each row of a shared embedding table (null for other tensors).</summary>
    public double[]?[] RowWeight { get; }

    /// <summary>The rows of a shared embedding table with a weight, in the order they were first sent (null for other tensors).</summary>
    public List<int>?[] TouchedRows { get; }

    /// <summary>Whether a shared embedding table was sent dense by some update, so that every row has a weight.</summary>
    public bool[] AllRows { get; }

    /// <summary>The position of a tensor in the layout.</summary>
    public int IndexOf(string name) => _index[name];

    /// <summary>The task a tensor belongs to, or null for the trunk.</summary>
    public string? TaskOf(int index) => _taskOf[index];

    /// <summary>
    /// Folds the rows of a row-sparse update of a table in: row <c>rows[s]</c>'s values are
    /// <c>values[s × columns .. (s + 1) × columns)</c>. Its weight goes to each row's, and rows seen for the first time
    /// this round to the touched list.
    /// </summary>
    public void AddRows(int index, int[] rows, float[] values, double weight)
    {
        var tensor = Layout.Tensors[index];
        var columns = tensor.Columns;
        var sum = Sum.AsSpan(tensor.Offset, tensor.Length);
        var rowWeight = RowWeight[index]!;
        var touched = TouchedRows[index]!;
        for (var s = 0; s < rows.Length; s++)
        {
            var row = rows[s];
            FedAvgKernels.Accumulate(sum.Slice(row * columns, columns), values.AsSpan(s * columns, columns), weight);
            if (rowWeight[row] == 0)
            {
                touched.Add(row);
            }

            rowWeight[row] += weight;
        }
    }

    /// <summary>Folds a whole tensor in.</summary>
    public void AddDense(int index, ReadOnlySpan<float> values, double weight)
    {
        var tensor = Layout.Tensors[index];
        FedAvgKernels.Accumulate(Sum.AsSpan(tensor.Offset, tensor.Length), values, weight);
        TensorWeight[index] += weight;
        if (RowWeight[index] is { } rowWeight)
        {
            AllRows[index] = true;
            for (var r = 0; r < rowWeight.Length; r++)
            {
                rowWeight[r] += weight;
            }
        }
    }

    /// <summary>Zeroes what the last round wrote, and nothing else: the buffers are then as new.</summary>
    public void Clear()
    {
        for (var i = 0; i < Layout.Tensors.Count; i++)
        {
            var tensor = Layout.Tensors[i];
            var rowWeight = RowWeight[i];
            if (rowWeight is not null && !AllRows[i])
            {
                foreach (var row in TouchedRows[i]!)
                {
                    Sum.AsSpan(tensor.Offset + (row * tensor.Columns), tensor.Columns).Clear();
                    rowWeight[row] = 0;
                }
            }
            else if (TensorWeight[i] != 0 || AllRows[i])
            {
                Sum.AsSpan(tensor.Offset, tensor.Length).Clear();
                rowWeight?.AsSpan().Clear();
            }

            TouchedRows[i]?.Clear();
            TensorWeight[i] = 0;
            AllRows[i] = false;
        }
    }
}
