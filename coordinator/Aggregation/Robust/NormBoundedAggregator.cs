using System.Numerics.Tensors;
using Federated.Model.Parameters;
using Federated.Model.Updates;

namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>One round of a <see cref="NormBoundedStrategy"/>. Not thread-safe: the engine serialises a round's calls.</summary>
internal sealed class NormBoundedAggregator : IRoundAggregator, IDisposable
{
    private readonly IAggregationStrategy _inner;
    private readonly ParameterSet _global;
    private readonly UpdateBuffer _buffer;
    private readonly double _multiple;
    private IRoundAggregator? _innerRound;
    private bool _disposed;

    public NormBoundedAggregator(IAggregationStrategy inner, ParameterSet global, UpdateBuffer buffer, double multiple)
    {
        _inner = inner;
        _global = global;
        _buffer = buffer;
        _multiple = multiple;
    }

    public int Count => _buffer.Count;

    /// <summary>Whether <see cref="Finish"/> has returned at least once.</summary>
    public bool Finished { get; private set; }

    /// <summary>The factors of the round's updates, in arrival order (empty before <see cref="Finish"/>).</summary>
    public IReadOnlyList<float> Scales { get; private set; } = [];

    public void Add(ModelDelta delta, UpdateWeights weights)
    {
        ThrowIfRetired();
        if (_innerRound is not null)
        {
            throw new InvalidOperationException("the round was finished: its updates went to the strategy behind the norm bound");
        }

        _buffer.Add(delta, weights);
    }

    public ParameterSet Finish()
    {
        ThrowIfRetired();
        if (_innerRound is null)
        {
            var scales = NormBound.Scales(NormBound.NormsOf(_buffer), _multiple);
            var round = _inner.BeginRound(_global);
            var layout = _buffer.Layout;

            // A dense tensor's array is reused from update to update: by IRoundAggregator.Add's contract the arrays are
            // the caller's again once Add returns. A row-sparse part gets an array of its own exact length.
            var dense = new float[]?[layout.Tensors.Count];
            for (var k = 0; k < _buffer.Count; k++)
            {
                var update = _buffer[k];
                var tensors = new List<TensorDelta>(layout.Tensors.Count);
                for (var t = 0; t < layout.Tensors.Count; t++)
                {
                    if (!update.Present[t])
                    {
                        continue;
                    }

                    var length = (int)(update.Starts[t + 1] - update.Starts[t]);
                    var values = update.Rows[t] is null ? dense[t] ??= new float[length] : new float[length];
                    _buffer.Read(k, t, 0, values);
                    if (scales[k] != 1f)
                    {
                        TensorPrimitives.Multiply(values, scales[k], values);
                    }

                    tensors.Add(new TensorDelta(layout.Tensors[t].Name, values, update.Rows[t]));
                }

                round.Add(new ModelDelta(tensors), update.Weights);
            }

            Scales = scales;
            _innerRound = round;
        }

        var result = _innerRound.Finish();
        Finished = true;
        return result;
    }

    /// <summary>The inner strategy's round, begun at the first <see cref="Finish"/>; null before.</summary>
    internal IRoundAggregator? InnerRound => _innerRound;

    /// <summary>Releases the buffered updates; the aggregator cannot take updates afterwards.</summary>
    public void Dispose() => Retire(null);

    /// <summary>Like <see cref="Dispose"/>, handing the buffer's arrays to the run's next round.</summary>
    public void Retire(RecycledArrays? recycled)
    {
        _disposed = true;
        _buffer.Retire(recycled);
    }

    private void ThrowIfRetired()
    {
        if (_disposed && _innerRound is null)
        {
            throw new InvalidOperationException("this round is over: a later round of the run released its updates");
        }
    }
}
