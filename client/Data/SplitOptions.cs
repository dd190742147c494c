namespace Federated.Client.Data;

/// <summary>How a node splits its examples.</summary>
public sealed record SplitOptions
{
    /// <summary>Random or by time. Default random.</summary>
    public SplitMethod Method { get; init; } = SplitMethod.Random;

    /// <summary>Seed of the random split. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Fraction of examples for validation, in [0, 1). Default 0.1.</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Fraction of examples for test, in [0, 1). Default 0.1.</summary>
    public double TestFraction { get; init; } = 0.1;

    /// <summary>Checks the fractions.</summary>
    /// <exception cref="ArgumentException">A fraction is outside [0, 1) or they sum to 1 or more.</exception>
    public void Validate()
    {
        if (!(ValidationFraction >= 0 && TestFraction >= 0 && ValidationFraction + TestFraction < 1))
        {
            throw new ArgumentException($"validation ({ValidationFraction}) and test ({TestFraction}) fractions must be ≥ 0 and sum to less than 1");
        }
    }
}
