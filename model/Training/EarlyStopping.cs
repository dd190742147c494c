namespace Federated.Model.Training;

/// <summary>
/// Keeps the best version of one series by a validation metric and says when to stop: after
/// <see cref="Patience"/> rounds in a row without a strict improvement (early stopping, Prechelt 1998, "Early
/// stopping — but when?"). A value that is not finite (no validation rows, a diverged model) never improves.
/// </summary>
public sealed class EarlyStopping
{
    private readonly bool _higherIsBetter;
    private int? _first;

    /// <summary>Creates the tracker.</summary>
    /// <param name="higherIsBetter">Whether larger values are better (AUC), else smaller (RMSE, log-loss).</param>
    /// <param name="patience">Rounds without improvement before stopping, ≥ 1; null: never stop, but still keep the best.</param>
    public EarlyStopping(bool higherIsBetter, int? patience)
    {
        if (patience is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(patience), patience, "patience must be ≥ 1 round");
        }

        _higherIsBetter = higherIsBetter;
        Patience = patience;
    }

    /// <summary>Rounds without improvement before stopping; null: never.</summary>
    public int? Patience { get; }

    /// <summary>The round of the best value so far; −1 before any finite value.</summary>
    public int BestRound { get; private set; } = -1;

    /// <summary>The best value so far; NaN before any finite value.</summary>
    public double BestValue { get; private set; } = double.NaN;

    /// <summary>The last round observed; −1 before any.</summary>
    public int LastRound { get; private set; } = -1;

    /// <summary>Whether the patience ran out: the series should train no further.</summary>
    public bool ShouldStop { get; private set; }

    /// <summary>Records the validation value of the version after <paramref name="round"/>; true when it is the new best.</summary>
    public bool Observe(int round, double value)
    {
        _first ??= round;
        LastRound = round;
        var improved = double.IsFinite(value) && (BestRound < 0 || (_higherIsBetter ? value > BestValue : value < BestValue));
        if (improved)
        {
            BestRound = round;
            BestValue = value;
        }

        // Without any finite value yet, the count runs from the round before the first one observed.
        if (Patience is { } p && !improved && round - (BestRound >= 0 ? BestRound : _first.Value - 1) >= p)
        {
            ShouldStop = true;
        }

        return improved;
    }

}
