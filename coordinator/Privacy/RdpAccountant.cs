namespace Federated.Coordinator.Privacy;

/// <summary>
/// A Rényi-DP accountant: the RDP of every step taken so far, summed per order (RDP composes additively, Mironov 2017,
/// Proposition 1), converted to (ε, δ) on demand with <see cref="RdpConversion"/>. Runs that train the same model compose
/// the same way (<see cref="Compose(RdpAccountant)"/>).
/// </summary>
/// <remarks>Not thread-safe; the round engine owns one per run and persists <see cref="Rdp"/> with each version.</remarks>
public sealed class RdpAccountant
{
    private readonly double[] _orders;
    private readonly double[] _rdp;

    /// <summary>An accountant that has spent nothing, over <paramref name="orders"/> (default <see cref="RdpOrders.Default"/>).</summary>
    /// <exception cref="ArgumentException">An order ≤ 1, not finite, or given twice; an empty grid.</exception>
    public RdpAccountant(IReadOnlyList<double>? orders = null)
    {
        _orders = [.. RdpOrders.Validate(orders ?? RdpOrders.Default)];
        _rdp = new double[_orders.Length];
    }

    /// <summary>An accountant restored from its <see cref="Orders"/>, <see cref="Rdp"/> and <see cref="Steps"/> (e.g. a stored ledger).</summary>
    /// <exception cref="ArgumentException">The grid is invalid, the lengths differ, a value is negative or NaN, steps negative.</exception>
    public RdpAccountant(IReadOnlyList<double> orders, IReadOnlyList<double> rdp, long steps)
        : this(orders)
    {
        ArgumentNullException.ThrowIfNull(rdp);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        if (rdp.Count != _orders.Length)
        {
            throw new ArgumentException($"{_orders.Length} orders but {rdp.Count} RDP values", nameof(rdp));
        }

        for (var k = 0; k < _rdp.Length; k++)
        {
            _rdp[k] = rdp[k] >= 0 ? rdp[k] : throw new ArgumentException($"RDP value {rdp[k]} at order {_orders[k]} is not ≥ 0", nameof(rdp));
        }

        Steps = steps;
    }

    /// <summary>The orders α of the grid.</summary>
    public IReadOnlyList<double> Orders => _orders;

    /// <summary>The RDP ε_α spent so far at each order, in nats.</summary>
    public IReadOnlyList<double> Rdp => _rdp;

    /// <summary>Steps (rounds) composed so far.</summary>
    public long Steps { get; private set; }

    /// <summary>Adds <paramref name="steps"/> steps of the Poisson-subsampled Gaussian mechanism.</summary>
    /// <param name="sampleRate">q ∈ [0, 1].</param>
    /// <param name="noiseMultiplier">z ≥ 0 (noise standard deviation over clip norm).</param>
    /// <param name="steps">How many identical steps, ≥ 0.</param>
    public void Compose(double sampleRate, double noiseMultiplier, long steps = 1)
    {
        if (steps < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(steps), steps, "the number of steps must be ≥ 0");
        }

        var perStep = StepRdp(_orders, sampleRate, noiseMultiplier);
        for (var k = 0; k < _rdp.Length; k++)
        {
            _rdp[k] += steps == 0 ? 0 : perStep[k] * steps;
        }

        Steps += steps;
    }

    /// <summary>Adds everything <paramref name="other"/> has spent (another run over the same data and model).</summary>
    /// <exception cref="ArgumentException">The two grids differ.</exception>
    public void Compose(RdpAccountant other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!_orders.AsSpan().SequenceEqual(other._orders))
        {
            throw new ArgumentException("the two accountants track different RDP orders", nameof(other));
        }

        for (var k = 0; k < _rdp.Length; k++)
        {
            _rdp[k] += other._rdp[k];
        }

        Steps += other.Steps;
    }

    /// <summary>The (ε, δ) guarantee of everything composed so far.</summary>
    /// <param name="delta">δ ∈ (0, 1).</param>
    public PrivacySpent GetPrivacySpent(double delta) => RdpConversion.ToEpsilon(_orders, _rdp, delta);

    /// <summary>ε of <paramref name="steps"/> steps at (q, z) without an accountant: the planner's and the calibration's question.</summary>
    public static PrivacySpent Epsilon(double sampleRate, double noiseMultiplier, long steps, double delta, IReadOnlyList<double>? orders = null)
    {
        var accountant = new RdpAccountant(orders);
        accountant.Compose(sampleRate, noiseMultiplier, steps);
        return accountant.GetPrivacySpent(delta);
    }

    private static double[] StepRdp(double[] orders, double sampleRate, double noiseMultiplier)
    {
        var perStep = new double[orders.Length];
        for (var k = 0; k < orders.Length; k++)
        {
            perStep[k] = SampledGaussianRdp.Compute(sampleRate, noiseMultiplier, orders[k]);
        }

        return perStep;
    }
}
