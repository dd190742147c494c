using System.Diagnostics;

namespace Federated.Model.Optimization;

/// <summary>
/// Updates model parameters that live in one flat <see cref="float"/> buffer, keeping any optimiser state
/// (velocity, Adam moments) in flat buffers of <see cref="ParameterCount"/> floats indexed by the same offsets.
/// </summary>
/// <remarks>
/// <para>
/// One training step is <see cref="BeginStep"/> followed by one update per tensor: <see cref="UpdateDense"/> for
/// dense tensors (every element changes) and <see cref="UpdateRows"/> for embedding tables (only the rows in the
/// batch, and only their state, change: the lazy semantics of PyTorch's <c>SparseAdam</c>).
/// </para>
/// <para>
/// Updates never allocate. <see cref="BeginStep"/> and <see cref="Reset"/> must not race with updates; updates of
/// disjoint tensors (non-overlapping offset ranges) may run concurrently within a step.
/// </para>
/// </remarks>
public abstract class Optimizer
{
    /// <summary>Elements processed per pass of a dense kernel; scratch of this length lives on the stack.</summary>
    private protected const int ChunkLength = 256;

    private protected Optimizer(OptimizerOptions options, int parameterCount)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        Options = options;
        ParameterCount = parameterCount;
    }

    /// <summary>The hyper-parameters this optimiser was created with.</summary>
    public OptimizerOptions Options { get; }

    /// <summary>Length of the flat parameter buffer the state covers; offsets index [0, ParameterCount).</summary>
    public int ParameterCount { get; }

    /// <summary>Number of <see cref="BeginStep"/> calls since creation or the last <see cref="Reset"/>.</summary>
    public long Step { get; private set; }

    /// <summary>Creates the optimiser <paramref name="options"/>.Kind names, with state for <paramref name="parameterCount"/> floats.</summary>
    /// <param name="options">Validated hyper-parameters.</param>
    /// <param name="parameterCount">Length of the flat parameter buffer, ≥ 0.</param>
    public static Optimizer Create(OptimizerOptions options, int parameterCount)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Kind switch
        {
            OptimizerKind.Sgd => new SgdOptimizer(options, parameterCount),
            OptimizerKind.Momentum => new MomentumOptimizer(options, parameterCount),
            OptimizerKind.Adam => new AdamOptimizer(options, parameterCount),
            _ => throw new UnreachableException($"OptimizerOptions admits only defined kinds; got {options.Kind}."),
        };
    }

    /// <summary>
    /// Starts a new step: increments <see cref="Step"/>. Adam's bias correction uses the new value for every update
    /// of the step, lazy rows included (as PyTorch's <c>SparseAdam</c> does). Call once per step, before its updates.
    /// </summary>
    public void BeginStep() => Step++;

    /// <summary>Updates every element of one dense tensor.</summary>
    /// <param name="parameters">The tensor's slice of the flat parameter buffer; updated in place.</param>
    /// <param name="gradients">The loss gradient, same length as <paramref name="parameters"/>.</param>
    /// <param name="offset">The tensor's offset in the flat layout; <c>offset + parameters.Length ≤ ParameterCount</c>.</param>
    /// <exception cref="ArgumentException">Lengths differ or the range lies outside the layout.</exception>
    /// <exception cref="InvalidOperationException"><see cref="BeginStep"/> has not been called since creation or <see cref="Reset"/>.</exception>
    public abstract void UpdateDense(Span<float> parameters, ReadOnlySpan<float> gradients, int offset);

    /// <summary>
    /// Lazily updates some rows of an embedding table: only the listed rows and their state change;
    /// <see cref="OptimizerOptions.WeightDecay"/> is not applied.
    /// </summary>
    /// <param name="table">The whole table, row-major [rowCount, rowLength], as its slice of the flat buffer.</param>
    /// <param name="rowLength">Floats per row, &gt; 0; must divide <c>table.Length</c>.</param>
    /// <param name="rows">Distinct row ids in [0, rowCount), in any order.</param>
    /// <param name="rowGradients">Gradients of the listed rows, [rows.Length, rowLength]; row i belongs to <c>rows[i]</c>.</param>
    /// <param name="offset">The table's offset in the flat layout; <c>offset + table.Length ≤ ParameterCount</c>.</param>
    /// <exception cref="ArgumentException">Shapes disagree, a row id is out of range, or the range lies outside the layout.</exception>
    /// <exception cref="InvalidOperationException"><see cref="BeginStep"/> has not been called since creation or <see cref="Reset"/>.</exception>
    public abstract void UpdateRows(Span<float> table, int rowLength, ReadOnlySpan<int> rows, ReadOnlySpan<float> rowGradients, int offset);

    /// <summary>Forgets all state: zeroes every moment and sets <see cref="Step"/> to 0 (e.g. at the start of a federated round).</summary>
    public abstract void Reset();

    /// <summary>Sets <see cref="Step"/> back to 0; part of every <see cref="Reset"/>.</summary>
    private protected void ResetStep() => Step = 0;

    /// <summary>Validates the arguments of <see cref="UpdateDense"/>.</summary>
    private protected void ValidateDense(ReadOnlySpan<float> parameters, ReadOnlySpan<float> gradients, int offset)
    {
        if (parameters.Length != gradients.Length)
        {
            throw new ArgumentException(
                $"Gradient length {gradients.Length} differs from parameter length {parameters.Length}.", nameof(gradients));
        }

        ValidateRange(parameters.Length, offset);
        ThrowIfNoStep();
    }

    /// <summary>Validates the arguments of <see cref="UpdateRows"/> before anything changes; returns the table's row count.</summary>
    private protected int ValidateRows(ReadOnlySpan<float> table, int rowLength, ReadOnlySpan<int> rows, ReadOnlySpan<float> rowGradients, int offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowLength);
        if (table.Length % rowLength != 0)
        {
            throw new ArgumentException(
                $"Table length {table.Length} is not a multiple of the row length {rowLength}.", nameof(table));
        }

        if ((long)rows.Length * rowLength != rowGradients.Length)
        {
            throw new ArgumentException(
                $"Row gradients hold {rowGradients.Length} floats; {rows.Length} rows of {rowLength} need {(long)rows.Length * rowLength}.",
                nameof(rowGradients));
        }

        ValidateRange(table.Length, offset);
        var rowCount = table.Length / rowLength;
        for (var i = 0; i < rows.Length; i++)
        {
            if ((uint)rows[i] >= (uint)rowCount)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(rows), rows[i], $"Row id {rows[i]} (at position {i}) is outside the table's {rowCount} rows.");
            }
        }

        AssertDistinct(rows);
        ThrowIfNoStep();
        return rowCount;
    }

    private void ValidateRange(int length, int offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset > ParameterCount - length)
        {
            throw new ArgumentOutOfRangeException(
                nameof(offset), offset, $"A tensor of {length} floats at offset {offset} exceeds the layout's {ParameterCount} floats.");
        }
    }

    private void ThrowIfNoStep()
    {
        if (Step == 0)
        {
            throw new InvalidOperationException("Call BeginStep before updating parameters (after creation or Reset).");
        }
    }

    [Conditional("DEBUG")]
    private static void AssertDistinct(ReadOnlySpan<int> rows)
    {
        // The caller guarantees distinct ids; a duplicate would apply two updates to one row's state.
        var seen = new HashSet<int>(rows.Length);
        foreach (var row in rows)
        {
            if (!seen.Add(row))
            {
                Debug.Fail($"Row id {row} is listed twice.");
            }
        }
    }
}
