using Federated.Model.Parameters;
using Federated.Model.Updates;

namespace Federated.Coordinator.Aggregation;

/// <summary>
/// One round of a <see cref="ServerOptimizerStrategy"/>: the updates are folded exactly as FedAvg folds them (a
/// <see cref="FedAvgAggregator"/> over lent <see cref="FedAvgAccumulator"/> buffers), and <see cref="Finish"/> turns the
/// weighted means into one optimiser step. The moments the round starts from are never written: the step writes the
/// moments after it into a state of its own, so finishing twice gives the same result. Not thread-safe: the engine
/// serialises a round's calls.
/// </summary>
internal sealed class ServerOptimizerAggregator : IRoundAggregator
{
    private readonly ParameterSet _global;
    private readonly FedAvgAggregator _fold;
    private readonly FedAvgAccumulator _buffers;
    private readonly ServerOptimizerState _start;
    private readonly ServerOptimizerSettings _settings;
    private ServerOptimizerState? _next;

    public ServerOptimizerAggregator(ServerOptimizerStrategy owner, ParameterSet global, FedAvgAccumulator buffers, ServerOptimizerState start, ServerOptimizerState? spare, ServerOptimizerSettings settings)
    {
        Owner = owner;
        _global = global;
        _buffers = buffers;
        _fold = new FedAvgAggregator(global, buffers, 1);
        _start = start;
        _next = spare;
        _settings = settings;
    }

    /// <summary>The strategy that began this round.</summary>
    public ServerOptimizerStrategy Owner { get; }

    public int Count => _fold.Count;

    /// <summary>The layout of the base model.</summary>
    public ParameterLayout Layout => _global.Layout;

    /// <summary>What the last <see cref="Finish"/> returned; null before.</summary>
    public ParameterSet? Result { get; private set; }

    /// <summary>Whether a later round took the buffers or the state over.</summary>
    public bool Retired { get; private set; }

    public void Add(ModelDelta delta, UpdateWeights weights) => _fold.Add(delta, weights);

    public ParameterSet Finish()
    {
        ThrowIfRetired();
        var values = GC.AllocateUninitializedArray<float>(_global.Values.Length);
        _global.Values.CopyTo(values, 0);
        var next = _next ??= _start.CreateSibling();
        _start.CopyTo(next);
        var layout = _buffers.Layout;
        for (var i = 0; i < layout.Tensors.Count; i++)
        {
            var tensor = layout.Tensors[i];
            if (_buffers.RowWeight[i] is { } rowWeight)
            {
                // Lazy rows: only the rows some update sent take a step (every row when one sent the table dense).
                if (_buffers.AllRows[i])
                {
                    for (var r = 0; r < tensor.Rows; r++)
                    {
                        StepRow(values, next, tensor, r, rowWeight[r]);
                    }
                }
                else
                {
                    foreach (var r in _buffers.TouchedRows[i]!)
                    {
                        StepRow(values, next, tensor, r, rowWeight[r]);
                    }
                }
            }
            else
            {
                // Dense tensors step every round; one no update carried (a task without labels this round) with Δ = 0.
                var weight = _buffers.TensorWeight[i];
                Step(values, next, tensor.Offset, tensor.Length, weight > 0 ? 1 / weight : 0);
            }
        }

        Result = new ParameterSet(_global.Layout, values);
        return Result;
    }

    /// <summary>The moments after the last <see cref="Finish"/>.</summary>
    /// <exception cref="InvalidOperationException">The round has not finished, or a later round took its state over.</exception>
    public ServerOptimizerState FinishedState()
    {
        if (Result is null || _next is null || Retired)
        {
            throw new InvalidOperationException(Retired ? "a later round of the run took this round's state over" : "the round has not finished");
        }

        return _next;
    }

    /// <summary>
    /// Hands the buffers (cleared) and the moment arrays over to the next round; this aggregator cannot be used afterwards.
    /// </summary>
    /// <returns>The fold buffers; the state after this round (null when it never finished); the state it started from.</returns>
    public (FedAvgAccumulator Buffers, ServerOptimizerState? Finished, ServerOptimizerState Start) Retire()
    {
        ThrowIfRetired();
        Retired = true;
        return (_fold.Retire(), Result is null ? null : _next, _start);
    }

    private void ThrowIfRetired()
    {
        if (Retired)
        {
            throw new InvalidOperationException("this round is over: a later round of the run took over its buffers");
        }
    }

    private void StepRow(float[] values, ServerOptimizerState next, TensorInfo tensor, int row, double weight) =>
        Step(values, next, tensor.Offset + (row * tensor.Columns), tensor.Columns, 1 / weight);

    private void Step(float[] values, ServerOptimizerState next, int offset, int length, double scale) =>
        ServerOptimizerKernels.Step(
            _settings,
            values.AsSpan(offset, length),
            next.M.AsSpan(offset, length),
            next.V is null ? [] : next.V.AsSpan(offset, length),
            _buffers.Sum.AsSpan(offset, length),
            scale);
}
