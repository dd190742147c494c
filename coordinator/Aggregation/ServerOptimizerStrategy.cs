using Federated.Model.Parameters;

namespace Federated.Coordinator.Aggregation;

/// <summary>
/// Server optimisers over the FedAvg pseudo-gradient: FedAvgM (Hsu et al. 2019, server momentum) and FedAdagrad,
/// FedAdam, FedYogi (Reddi et al., "Adaptive Federated Optimization", ICLR 2021, Algorithm 2).
/// </summary>
/// <remarks>
/// <para>
/// Each round, Δ = Σ_k w_k Δ_k / Σ_k w_k is the weighted mean of the updates exactly as <see cref="FedAvgStrategy"/>
/// computes it (the same fold and buffers: per-task weights for task tensors, per-row weights for the rows of shared
/// embedding tables). Then, per parameter:
/// </para>
/// <list type="bullet">
/// <item><c>fedavgm</c>: m ← β·m + Δ; θ ← θ + η·m (β = 0 is FedAvg with server learning rate η).</item>
/// <item><c>fedadagrad</c>: m ← β₁·m + (1 − β₁)·Δ; v ← v + Δ²; θ ← θ + η·m / (√v + τ).</item>
/// <item><c>fedadam</c>: m as above; v ← β₂·v + (1 − β₂)·Δ²; θ ← θ + η·m / (√v + τ).</item>
/// <item><c>fedyogi</c>: m as above; v ← v − (1 − β₂)·Δ²·sign(v − Δ²); θ ← θ + η·m / (√v + τ).</item>
/// </list>
/// <para>
/// As in the paper there is no bias correction (Flower's newer FedAdam scales η by √(1 − β₂ᵗ)/(1 − β₁ᵗ); this does not),
/// m starts at 0 and v at τ² (the paper asks v₋₁ ≥ τ²). Defaults and their sources: <see cref="ServerOptimizerSettings"/>.
/// </para>
/// <para>
/// <b>Row-sparse embedding tables are lazy</b>, like the trainer's sparse Adam: a row's m, v and value change only in a
/// round where some node sent that row (all rows when a node sent the table dense). A row nobody sent keeps its value and
/// its moments exactly — its momentum does not keep moving it and its v does not decay — so a rarely seen item takes
/// its steps only when seen, each with the moments of its own last step, however many rounds ago that was. Dense
/// tensors step every round; a dense tensor no update carried (the tensors of a task no selected node had labels for)
/// steps with Δ = 0: its momentum still moves it and its v decays, as in the centralised optimiser.
/// </para>
/// <para>
/// State: m (and v) as float, one per parameter of the shared layout, computed in double from the stored floats. Two
/// copies are kept per run — the moments as of the round's base version and those after its step, so that a round whose
/// commit failed is finished again from the same moments — so a run costs 8 (FedAvgM) or 16 (adaptive) bytes per shared
/// parameter of memory beside FedAvg's buffers, and every committed version stores 4 or 8 bytes per parameter of moments
/// beside its 4 of parameters (<see cref="IStatefulStrategy"/>), so that a restarted coordinator continues bit-identically.
/// A round's step costs about 1.1× (FedAvgM) to 1.4× (Yogi) FedAvg's finish, 1.06× to 1.3× its whole round
/// (<c>Federated.Benchmarks server-optimizer</c>, 1 M parameters, 10 updates).
/// </para>
/// </remarks>
public sealed class ServerOptimizerStrategy : IAggregationStrategy, IStatefulStrategy
{
    private readonly CompiledModel _model;
    private ServerOptimizerState? _state;
    private ServerOptimizerAggregator? _last;

    /// <summary>Creates the strategy for a model.</summary>
    public ServerOptimizerStrategy(CompiledModel model, ServerOptimizerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        _model = model;
        Settings = settings;
    }

    /// <summary>The optimiser and its parameters.</summary>
    public ServerOptimizerSettings Settings { get; }

    /// <inheritdoc />
    public string Name => Settings.Name;

    /// <inheritdoc />
    public IRoundAggregator BeginRound(ParameterSet baseModel)
    {
        ArgumentNullException.ThrowIfNull(baseModel);
        var layout = baseModel.Layout;
        if (layout.Fingerprint != _model.Fingerprint && layout.Fingerprint != _model.SharedLayout.Fingerprint)
        {
            throw new ArgumentException($"the base model's layout {layout.Fingerprint} is neither the run's layout {_model.Fingerprint} nor its shared projection", nameof(baseModel));
        }

        FedAvgAccumulator? buffers = null;
        ServerOptimizerState? spare = null;
        var previous = Interlocked.Exchange(ref _last, null);
        if (previous is { Result: not null, Retired: false } && previous.Layout.Fingerprint == layout.Fingerprint)
        {
            var (retired, finished, start) = previous.Retire();
            buffers = retired;

            // Only a round begun from what the previous round returned continues from its moments: that version was
            // committed. Any other base (the same one again after a failed commit) starts from the moments before it.
            if (finished is not null && ReferenceEquals(previous.Result, baseModel))
            {
                _state = finished;
                spare = start;
            }
            else
            {
                spare = finished;
            }
        }

        _state ??= ServerOptimizerState.Initial(layout, Settings);
        if (_state.Layout.Fingerprint != layout.Fingerprint)
        {
            throw new ArgumentException($"the run's optimiser state follows layout {_state.Layout.Fingerprint}, not the base model's {layout.Fingerprint}", nameof(baseModel));
        }

        var aggregator = new ServerOptimizerAggregator(this, baseModel, buffers ?? new FedAvgAccumulator(layout, _model), _state, spare, Settings);
        _last = aggregator;
        return aggregator;
    }

    /// <inheritdoc />
    public byte[] SaveState(IRoundAggregator finished)
    {
        if (finished is not ServerOptimizerAggregator round || !ReferenceEquals(round.Owner, this))
        {
            throw new ArgumentException("not a round of this strategy", nameof(finished));
        }

        return round.FinishedState().Serialize(Settings.Kind);
    }

    /// <inheritdoc />
    public void RestoreState(ReadOnlySpan<byte> state)
    {
        _state = ServerOptimizerState.Deserialize(state, Settings, _model.SharedLayout, _model.Layout);
        _last = null;
    }
}
