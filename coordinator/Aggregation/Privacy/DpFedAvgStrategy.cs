using Federated.Coordinator.Privacy;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Coordinator.Aggregation.Privacy;

/// <summary>
/// DP-FedAvg (McMahan, Ramage, Talwar and Zhang, <i>Learning Differentially Private Recurrent Language Models</i>, ICLR
/// 2018) in front of FedAvg or a server optimiser, with optional adaptive clipping (Andrew et al., NeurIPS 2021).
/// </summary>
/// <remarks>
/// <para>
/// Each round: every update is clipped as a whole to L2 norm S (one norm over all its shared tensors, sent rows
/// included) and added with weight 1 — the privacy unit is the client, not its examples. At the end, N(0, (z_Δ·S)²) is
/// added once to the sum of every shared coordinate, rows of embedding tables nobody sent included (the released delta
/// is dense, so which rows were touched does not show), and the sum is divided by the fixed expected number of clients
/// qN, never by the number that answered. The inner strategy gets that noised mean as the round's one update (every
/// weight 1), so θ ← θ + η·Δ̃ for FedAvg and the optimiser's step over Δ̃ for FedAvgM/FedAdam/…: post-processing.
/// </para>
/// <para>
/// Adaptive clipping: b_i = 1 when update i's norm is ≤ S; b̃ = (Σ b_i + N(0, σ_b²)) / qN, clamped to [0, 1];
/// S ← S·exp(−η_C (b̃ − γ)). The state stored with each version (<see cref="IStatefulStrategy"/>) is the
/// <see cref="PrivacyLedger"/> followed by the inner strategy's state.
/// </para>
/// </remarks>
public sealed class DpFedAvgStrategy : IAggregationStrategy, IStatefulStrategy
{
    private readonly Func<long, GaussianNoise> _noise;
    private readonly UpdateWeights _unitWeights;
    private PrivacyLedger _committed;
    private DpFedAvgAggregator? _last;
    private double[]? _sum;

    /// <summary>Puts DP-FedAvg with <paramref name="plan"/> in front of <paramref name="inner"/>.</summary>
    /// <param name="inner">FedAvg or a server optimiser.</param>
    /// <param name="plan">The run's privacy numbers.</param>
    /// <param name="tasks">The model's tasks (the released mean weighs each task's tensors 1 too).</param>
    /// <param name="noise">The generator of the round that follows <c>step</c> released rounds (<see cref="PrivacyNoiseSource.ForRun"/>).</param>
    public DpFedAvgStrategy(IAggregationStrategy inner, PrivacyPlan plan, IEnumerable<TaskSpec> tasks, Func<long, GaussianNoise> noise)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(noise);
        Inner = inner;
        Plan = plan;
        _noise = noise;
        _unitWeights = new UpdateWeights(1, tasks.ToDictionary(t => t.Name, _ => 1L, StringComparer.Ordinal));
        _committed = PrivacyLedger.Initial(plan);
    }

    /// <summary>The strategy the noised mean goes to.</summary>
    public IAggregationStrategy Inner { get; }

    /// <summary>The run's privacy numbers.</summary>
    public PrivacyPlan Plan { get; }

    /// <summary>The ledger as of the last committed (or restored) version.</summary>
    public PrivacyLedger Ledger => _committed;

    /// <summary>
    /// Starts the accountant from what earlier runs over the same data spent (the config's <c>composeWith</c>), before the
    /// run's first round; the ledgers the run stores then carry it.
    /// </summary>
    /// <exception cref="InvalidOperationException">A round has begun, or a ledger was restored.</exception>
    public void StartFrom(RdpAccountant prior)
    {
        ArgumentNullException.ThrowIfNull(prior);
        if (_last is not null || _committed.Steps != 0)
        {
            throw new InvalidOperationException("the accountant can take earlier runs' spending only before the run's first round");
        }

        _committed = PrivacyLedger.Initial(Plan, prior);
    }

    /// <summary>
    /// Counts a round that was sampled but released nothing (a secure round that failed) as one step of the accountant,
    /// with the clip unchanged: conservative, since the attempt's sample and the nodes' clipped updates were drawn. The
    /// count lives in <see cref="Ledger"/> in memory and is stored with the next committed version's ledger (a restart
    /// before that commit forgets it). Call it between rounds: after the failed round, before the next one begins.
    /// </summary>
    /// <returns>The ledger that now counts the attempt.</returns>
    public PrivacyLedger CountFailedAttempt()
    {
        _committed = _committed.AfterRound(_committed.ClipNorm);
        return _committed;
    }

    /// <inheritdoc />
    public string Name => "dp-" + Inner.Name;

    /// <inheritdoc />
    public IRoundAggregator BeginRound(ParameterSet baseModel)
    {
        ArgumentNullException.ThrowIfNull(baseModel);
        var previous = Interlocked.Exchange(ref _last, null);

        // As for the server optimisers: only a round begun from what the previous round returned was committed; any other
        // base (the same one again after a failed commit) continues from the ledger before it.
        if (previous is { Result: { } result, After: { } after } && ReferenceEquals(result, baseModel))
        {
            _committed = after;
        }

        previous?.Retire();
        if (_sum is null || _sum.Length != baseModel.Layout.TotalLength)
        {
            _sum = new double[baseModel.Layout.TotalLength];
        }

        var aggregator = new DpFedAvgAggregator(this, baseModel, Inner.BeginRound(baseModel), _committed, _sum);
        _last = aggregator;
        return aggregator;
    }

    /// <inheritdoc />
    public byte[] SaveState(IRoundAggregator finished)
    {
        if (finished is not DpFedAvgAggregator round || !ReferenceEquals(round.Owner, this))
        {
            throw new ArgumentException("not a round of this strategy", nameof(finished));
        }

        var after = round.After ?? throw new InvalidOperationException("the round has not finished");
        var inner = Inner is IStatefulStrategy stateful ? stateful.SaveState(round.InnerRound) : null;
        return after.Serialize(inner);
    }

    /// <inheritdoc />
    public void RestoreState(ReadOnlySpan<byte> state)
    {
        var (ledger, inner) = PrivacyLedger.Deserialize(state, Plan);
        if (Inner is IStatefulStrategy stateful)
        {
            stateful.RestoreState(inner ?? throw new InvalidDataException($"the stored privacy ledger holds no state of strategy '{Inner.Name}'"));
        }

        _committed = ledger;
        _last = null;
    }

    /// <summary>The ledger after <paramref name="finished"/>, a finished round of this strategy (what its committed version stores).</summary>
    /// <exception cref="ArgumentException">Not a round of this strategy.</exception>
    /// <exception cref="InvalidOperationException">The round has not finished.</exception>
    public PrivacyLedger LedgerAfter(IRoundAggregator finished) =>
        finished is DpFedAvgAggregator round && ReferenceEquals(round.Owner, this)
            ? round.After ?? throw new InvalidOperationException("the round has not finished")
            : throw new ArgumentException("not a round of this strategy", nameof(finished));

    /// <summary>
    /// Whether one more round after <paramref name="ledger"/> would take ε past the config's <c>targetEpsilon</c> (never
    /// without one): the question a round engine asks before it opens a round, to stop the run instead.
    /// </summary>
    /// <param name="ledger">The ledger of the version the round would start from (<see cref="LedgerAfter"/>, <see cref="Ledger"/>).</param>
    /// <param name="next">The (ε, δ) after that round.</param>
    public bool WouldExceedTarget(PrivacyLedger ledger, out PrivacySpent next)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        next = ledger.AfterRound(ledger.ClipNorm).Spent;
        return Plan.TargetEpsilon is { } target && next.Epsilon > target;
    }

    /// <summary>The weights of the round's one noised mean: 1 for the trunk and every task.</summary>
    internal UpdateWeights UnitWeights => _unitWeights;

    /// <summary>The noise of the round that follows <paramref name="step"/> released rounds.</summary>
    internal GaussianNoise NoiseFor(long step) => _noise(step);
}
