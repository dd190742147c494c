using Federated.Model.Parameters;
using Federated.Model.Updates;

namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>
/// One round of a <see cref="RobustStrategy"/>: buffers the updates, then applies the norm bound, Krum's selection and the
/// coordinate rule at <see cref="Finish"/>. Not thread-safe: the engine serialises a round's calls.
/// </summary>
internal sealed class RobustAggregator : IRoundAggregator, IDisposable
{
    private readonly RobustStrategy _strategy;
    private readonly ParameterSet _global;
    private readonly UpdateBuffer _buffer;
    private readonly string?[] _taskOf;
    private readonly long _round;
    private bool _disposed;

    public RobustAggregator(RobustStrategy strategy, ParameterSet global, UpdateBuffer buffer, string?[] taskOf, long round)
    {
        _strategy = strategy;
        _global = global;
        _buffer = buffer;
        _taskOf = taskOf;
        _round = round;
    }

    public int Count => _buffer.Count;

    /// <summary>Whether <see cref="Finish"/> has returned at least once.</summary>
    public bool Finished { get; private set; }

    /// <summary>
    /// The updates the last <see cref="Finish"/> aggregated (Krum's selection, with bucketing every member of a selected
    /// bucket; every update otherwise), ascending arrival indices.
    /// </summary>
    public IReadOnlyList<int> Selected { get; private set; } = [];

    /// <summary>The buckets of the last <see cref="Finish"/> (arrival indices), or empty without bucketing.</summary>
    public IReadOnlyList<int[]> Buckets { get; private set; } = [];

    /// <summary>The norm bound's factors of the last <see cref="Finish"/>, in arrival order.</summary>
    public IReadOnlyList<float> Scales { get; private set; } = [];

    /// <summary>The buffer (tests look at where the values went).</summary>
    internal UpdateBuffer Buffer => _buffer;

    public void Add(ModelDelta delta, UpdateWeights weights)
    {
        ThrowIfRetired();
        _buffer.Add(delta, weights);
    }

    public ParameterSet Finish()
    {
        ThrowIfRetired();
        var result = _global.Clone();
        var n = _buffer.Count;
        var scales = NormBound.Scales(NormBound.NormsOf(_buffer), _strategy.NormBoundMultiple);
        if (_strategy.Bucket <= 1)
        {
            Selected = Aggregate(_buffer, scales, result);
            Buckets = [];
        }
        else
        {
            // The norm bound scales each update; the rule then sees the buckets' means, at scale 1.
            var buckets = Bucketing.Assign(n, _strategy.Bucket, _strategy.Seed, _round);
            using var means = Bucketing.Average(_buffer, scales, buckets, _taskOf, _strategy.BufferOptions);
            var ones = new float[means.Count];
            Array.Fill(ones, 1f);
            var chosen = Aggregate(means, ones, result);
            Selected = [.. chosen.SelectMany(b => buckets[b]).Order()];
            Buckets = buckets;
        }

        Scales = scales;
        Finished = true;
        return result;
    }

    /// <summary>Krum's selection (or every update) over <paramref name="updates"/>, then the coordinate rule into <paramref name="result"/>; the included positions.</summary>
    private int[] Aggregate(UpdateBuffer updates, float[] scales, ParameterSet result)
    {
        var n = updates.Count;
        var included = _strategy.Name switch
        {
            RobustStrategies.Krum => KrumSelection.Select(updates, scales, _strategy.F, 1),
            RobustStrategies.MultiKrum => KrumSelection.Select(updates, scales, _strategy.F, _strategy.M ?? (n - _strategy.F)),
            _ => Enumerable.Range(0, n).ToArray(),
        };
        if (_strategy.Name == RobustStrategies.CenteredClippingName)
        {
            CenteredClipping.Apply(updates, scales, included, _taskOf, _strategy.Tau, _strategy.Iterations, _strategy.ServerLearningRate, result);
        }
        else
        {
            CoordinateAggregation.Apply(updates, scales, included, _taskOf, _strategy.Rule, _strategy.ServerLearningRate, result);
        }

        return included;
    }

    /// <summary>Releases the round's updates (memory and spill file); the aggregator cannot be used afterwards.</summary>
    public void Dispose() => Retire(null);

    /// <summary>Like <see cref="Dispose"/>, handing the buffer's arrays to the run's next round.</summary>
    public void Retire(RecycledArrays? recycled)
    {
        _disposed = true;
        _buffer.Retire(recycled);
    }

    private void ThrowIfRetired()
    {
        if (_disposed)
        {
            throw new InvalidOperationException("this round is over: a later round of the run released its updates");
        }
    }
}
