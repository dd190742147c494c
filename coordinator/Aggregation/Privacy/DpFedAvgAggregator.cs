using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Updates;

namespace Federated.Coordinator.Aggregation.Privacy;

/// <summary>One round of a <see cref="DpFedAvgStrategy"/>. Not thread-safe: the engine serialises a round's calls.</summary>
internal sealed class DpFedAvgAggregator : IRoundAggregator
{
    private readonly ParameterSet _global;
    private readonly PrivacyLedger _before;
    private double[]? _sum;
    private long _unclipped;

    public DpFedAvgAggregator(DpFedAvgStrategy owner, ParameterSet global, IRoundAggregator innerRound, PrivacyLedger before, double[] sum)
    {
        Owner = owner;
        _global = global;
        InnerRound = innerRound;
        _before = before;
        _sum = sum;
        Array.Clear(sum);
    }

    public DpFedAvgStrategy Owner { get; }

    /// <summary>The inner strategy's round: it gets the noised mean at the first <see cref="Finish"/>.</summary>
    public IRoundAggregator InnerRound { get; }

    public int Count { get; private set; }

    /// <summary>S of this round.</summary>
    public double ClipNorm => _before.ClipNorm;

    /// <summary>The ledger after this round (null before <see cref="Finish"/>).</summary>
    public PrivacyLedger? After { get; private set; }

    /// <summary>What <see cref="Finish"/> returned last (null before).</summary>
    public ParameterSet? Result { get; private set; }

    /// <summary>The noised count b̃ of unclipped updates over qN, before clamping (NaN without adaptive clipping or before <see cref="Finish"/>).</summary>
    public double NoisedUnclippedFraction { get; private set; } = double.NaN;

    public void Add(ModelDelta delta, UpdateWeights weights)
    {
        ArgumentNullException.ThrowIfNull(delta);
        var norm = UpdateClipping.Norm(delta);
        Accumulate(delta, UpdateClipping.Scale(norm, ClipNorm));
        if (norm <= ClipNorm)
        {
            _unclipped++;
        }

        Count++;
    }

    private void Accumulate(ModelDelta delta, double scale)
    {
        if (After is not null)
        {
            throw new InvalidOperationException("the round was finished: its noised mean was released");
        }

        var sum = _sum ?? throw new InvalidOperationException("this round is over: a later round of the run took over its buffers");
        var layout = _global.Layout;
        foreach (var tensorDelta in delta.Tensors)
        {
            var tensor = layout[tensorDelta.Name];
            var values = tensorDelta.Values;
            if (tensorDelta.Rows is { } rows)
            {
                for (var s = 0; s < rows.Length; s++)
                {
                    Accumulate(sum.AsSpan(tensor.Offset + (rows[s] * tensor.Columns), tensor.Columns), values.AsSpan(s * tensor.Columns, tensor.Columns), scale);
                }
            }
            else
            {
                Accumulate(sum.AsSpan(tensor.Offset, tensor.Length), values, scale);
            }
        }
    }

    /// <summary>
    /// Adds the sum of <paramref name="count"/> updates that the nodes clipped themselves, as secure aggregation releases
    /// it: taken as it is, since the coordinator cannot see (nor clip) any one of them. <see cref="Finish"/> then noises
    /// and divides it exactly as it does a sum of updates added one by one.
    /// </summary>
    /// <param name="sum">Σ_k Δ_k of clipped updates at unit weight, dense or row-sparse tensors of the shared layout.</param>
    /// <param name="count">The number of updates in the sum (≥ 0).</param>
    /// <exception cref="InvalidOperationException">Adaptive clipping: it needs each update's norm, which a sum does not give.</exception>
    public void AddSum(ModelDelta sum, int count)
    {
        ArgumentNullException.ThrowIfNull(sum);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (Owner.Plan.Adaptive is not null)
        {
            throw new InvalidOperationException("adaptive clipping counts the unclipped updates one by one: a sum of updates cannot be added");
        }

        Accumulate(sum, scale: 1);
        Count += count;
    }

    public ParameterSet Finish()
    {
        if (After is null)
        {
            var sum = _sum ?? throw new InvalidOperationException("this round is over: a later round of the run took over its buffers");
            var plan = Owner.Plan;
            using var noise = Owner.NoiseFor(_before.Steps);
            var tensors = new List<TensorDelta>();
            var deviation = plan.UpdateNoiseMultiplier * ClipNorm;
            var chunk = new double[8192];
            foreach (var tensor in _global.Layout.Tensors)
            {
                if (tensor.Scope != ParameterScope.Shared)
                {
                    continue;
                }

                // Every shared coordinate is released, so every one is noised: the delta is dense.
                var values = new float[tensor.Length];
                var tensorSum = sum.AsSpan(tensor.Offset, tensor.Length);
                for (var start = 0; start < values.Length; start += chunk.Length)
                {
                    var length = Math.Min(chunk.Length, values.Length - start);
                    var draws = chunk.AsSpan(0, length);
                    noise.Fill(draws, deviation);
                    for (var i = 0; i < length; i++)
                    {
                        values[start + i] = (float)((tensorSum[start + i] + draws[i]) / plan.ExpectedClients);
                    }
                }

                tensors.Add(new TensorDelta(tensor.Name, values));
            }

            var nextClip = ClipNorm;
            if (plan.Adaptive is { } adaptive)
            {
                Span<double> countNoise = stackalloc double[1];
                noise.Fill(countNoise, adaptive.CountNoise);
                NoisedUnclippedFraction = (_unclipped + countNoise[0]) / plan.ExpectedClients;
                nextClip = UpdateClipping.NextClip(ClipNorm, NoisedUnclippedFraction, adaptive);
            }

            InnerRound.Add(new ModelDelta(tensors), Owner.UnitWeights);
            After = _before.AfterRound(nextClip);
        }

        Result = InnerRound.Finish();
        return Result;
    }

    /// <summary>Gives the sum buffer up to the run's next round; this round can take no more updates.</summary>
    public void Retire() => _sum = null;

    // In double, so that the clipped update's norm is S up to double rounding before the float cast of the mean.
    private static void Accumulate(Span<double> sum, ReadOnlySpan<float> values, double scale)
    {
        for (var i = 0; i < values.Length; i++)
        {
            sum[i] += values[i] * scale;
        }
    }
}
