using Federated.Model.Parameters;

namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>
/// Aggregation that one or a few bad nodes cannot steer: coordinate-wise <c>median</c>, <c>trimmed-mean</c>
/// (Yin et al., ICML 2018), <c>krum</c> and <c>multi-krum</c> (Blanchard et al., NeurIPS 2017) and
/// <c>centered-clipping</c> (Karimireddy et al., ICML 2021; <see cref="CenteredClipping"/>), each optionally behind
/// the round's norm bound (<see cref="NormBound"/>) and optionally over the means of random buckets of updates
/// (<see cref="Bucketing"/>).
/// </summary>
/// <remarks>
/// θ ← θ + η · A(Δ_1 … Δ_n), η = <c>serverLearningRate</c> (default 1), where A is, per coordinate j over the updates
/// that carry j: the median (even count: mean of the two middle values); the mean after cutting ⌊β·c⌋ values per side;
/// or, for Krum, the plain mean over the m selected updates (Krum: m = 1; Multi-Krum: m, default n − f) that carry j.
/// <para>
/// Example counts are not trusted as weights (a node could inflate them): every carrying update counts once. They only
/// say which updates carry a task's tensors — those with labelled examples of the task, as FedAvg counts them.
/// </para>
/// <para>
/// Row-sparse embedding tables: each row is aggregated over the updates that sent it (an update that sent the table dense
/// sent every row). A row sent by c nodes is as robust as the rule is with c values: the median of one value is that
/// value, so a row that only one node sent (an item only it has seen) takes that node's update unchanged, and a trimmed
/// mean cuts nothing while ⌊β·c⌋ = 0. Robustness holds per row only where enough nodes sent it (for the median, a bad
/// minority of the row's senders). Krum scores whole updates, with unsent rows counting as zero, and then averages each
/// row over the selected updates that sent it; a row no selected update sent keeps its value.
/// </para>
/// <para>
/// The round's updates are kept together in an <see cref="UpdateBuffer"/> (memory bound and spill file there). Finishing
/// reads the round once per pass (Krum: two passes), sorts n values per coordinate (O(V · n log n)) and allocates the next
/// version (4 × V bytes) plus n × 1024 floats of scratch (and n² doubles for Krum).
/// </para>
/// </remarks>
public sealed class RobustStrategy : IAggregationStrategy
{
    private readonly CompiledModel _model;
    private readonly UpdateBufferOptions _buffer;
    private readonly RecycledArrays _recycled = new();
    private RobustAggregator? _last;

    /// <summary>Creates a strategy; the parameters must have passed <see cref="RobustStrategies.CheckParameters"/>.</summary>
    /// <param name="model">The run's model.</param>
    /// <param name="name"><c>median</c>, <c>trimmed-mean</c>, <c>krum</c> or <c>multi-krum</c>.</param>
    /// <param name="parameters">The strategy's parameters (see <see cref="RobustStrategies"/>).</param>
    /// <param name="buffer">Where rounds keep their updates; null: <see cref="UpdateBufferOptions.Default"/>.</param>
    /// <param name="seed">The run's seed: with bucketing, each round's shuffle is drawn from it and the round number.</param>
    public RobustStrategy(CompiledModel model, string name, IReadOnlyDictionary<string, double> parameters, UpdateBufferOptions? buffer = null, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!RobustStrategies.IsRobust(name))
        {
            throw new ArgumentException($"'{name}' is not a robust strategy", nameof(name));
        }

        _model = model;
        _buffer = buffer ?? UpdateBufferOptions.Default;
        Name = name;
        ServerLearningRate = parameters.GetValueOrDefault(FedAvgStrategy.ServerLearningRateKey, 1);
        NormBoundMultiple = parameters.TryGetValue(NormBound.MultipleKey, out var k) ? k : null;
        Beta = parameters.GetValueOrDefault(RobustStrategies.BetaKey, RobustStrategies.DefaultBeta);
        F = (int)parameters.GetValueOrDefault(RobustStrategies.FKey, 0);
        M = parameters.TryGetValue(RobustStrategies.MKey, out var m) ? (int)m : null;
        Bucket = (int)parameters.GetValueOrDefault(RobustStrategies.BucketKey, 1);
        Tau = parameters.GetValueOrDefault(RobustStrategies.TauKey, double.PositiveInfinity);
        Iterations = (int)parameters.GetValueOrDefault(RobustStrategies.IterationsKey, RobustStrategies.DefaultIterations);
        Seed = seed;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>η.</summary>
    public double ServerLearningRate { get; }

    /// <summary>k of the norm bound, or null for none.</summary>
    public double? NormBoundMultiple { get; }

    /// <summary>β of the trimmed mean.</summary>
    public double Beta { get; }

    /// <summary>f of Krum.</summary>
    public int F { get; }

    /// <summary>m of Multi-Krum; null: n − f.</summary>
    public int? M { get; }

    /// <summary>τ of centered clipping (∞ when absent, for the other rules).</summary>
    public double Tau { get; }

    /// <summary>L of centered clipping.</summary>
    public int Iterations { get; }

    /// <summary>s of bucketing: updates averaged per bucket before the rule; 1: none.</summary>
    public int Bucket { get; }

    /// <summary>The run's seed, which with the round number draws bucketing's shuffle.</summary>
    public int Seed { get; }

    /// <inheritdoc />
    /// <remarks>Bucketing draws its shuffle as for round 0; the engine calls <see cref="BeginRound(ParameterSet, long)"/>.</remarks>
    public IRoundAggregator BeginRound(ParameterSet baseModel) => BeginRound(baseModel, 0);

    /// <inheritdoc />
    public IRoundAggregator BeginRound(ParameterSet baseModel, long round)
    {
        ArgumentNullException.ThrowIfNull(baseModel);
        var layout = baseModel.Layout;
        if (layout.Fingerprint != _model.Fingerprint && layout.Fingerprint != _model.SharedLayout.Fingerprint)
        {
            throw new ArgumentException($"the base model's layout {layout.Fingerprint} is neither the run's layout {_model.Fingerprint} nor its shared projection", nameof(baseModel));
        }

        // A run's rounds are sequential: a finished round's updates are no longer needed once the next begins. One still
        // collecting (a caller's own) is left alone; an abandoned one's spill file goes with its handle's finaliser.
        var previous = Interlocked.Exchange(ref _last, null);
        if (previous is { Finished: true })
        {
            previous.Retire(_recycled);
        }

        var aggregator = new RobustAggregator(this, baseModel, new UpdateBuffer(layout, _buffer, _recycled), CoordinateAggregation.TasksOf(layout, _model), round);
        _last = aggregator;
        return aggregator;
    }

    /// <summary>Where bucketing keeps the buckets' means.</summary>
    internal UpdateBufferOptions BufferOptions => _buffer;

    /// <summary>The rule of this strategy's coordinates.</summary>
    internal ICoordinateRule Rule => Name switch
    {
        RobustStrategies.Median => MedianRule.Instance,
        RobustStrategies.TrimmedMean => new TrimmedMeanRule(Beta),
        _ => MeanRule.Instance,
    };
}
