using System.Buffers.Binary;
using Federated.Coordinator.Privacy;
using Federated.Coordinator.Rounds;

namespace Federated.Coordinator.Aggregation.Privacy;

/// <summary>
/// Poisson sampling: every eligible node takes part in a round independently with probability q, so a round's size is
/// random (binomial) and may be zero. This is the sampling that the accountant's analysis of the subsampled Gaussian
/// assumes (Mironov, Talwar and Zhang 2019; DP-FedAvg, McMahan et al. ICLR 2018); a fixed-size draw would need another
/// analysis.
/// </summary>
/// <remarks>
/// Each node's coin is a uniform double from 53 bits of an <see cref="AesCounterRandom"/> stream of the round (from the
/// operating system's CSPRNG in production, keyed in simulations and tests), compared with q; the eligible nodes are
/// visited in ordinal order so that a keyed stream repeats the same sample. A restarted coordinator does not draw again:
/// the open round and its selection are stored.
/// </remarks>
public sealed class PoissonSampler : IParticipantSampler
{
    private readonly double _sampleRate;
    private readonly int _minEligible;
    private readonly Func<long, AesCounterRandom> _randomOfRound;

    /// <summary>A sampler at rate <paramref name="sampleRate"/>.</summary>
    /// <param name="sampleRate">q ∈ (0, 1].</param>
    /// <param name="minEligible">Rounds start only when at least this many nodes are eligible (the run's <c>minClients</c>, ≥ 1).</param>
    /// <param name="randomOfRound">The random stream of a round, by round number (<see cref="PrivacyNoiseSource.SamplingForRun"/>).</param>
    public PoissonSampler(double sampleRate, int minEligible, Func<long, AesCounterRandom> randomOfRound)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(sampleRate, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sampleRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(minEligible, 1);
        ArgumentNullException.ThrowIfNull(randomOfRound);
        _sampleRate = sampleRate;
        _minEligible = minEligible;
        _randomOfRound = randomOfRound;
    }

    /// <inheritdoc />
    public bool CommitsWithoutQuorum => true;

    /// <inheritdoc />
    public IReadOnlyList<string>? Sample(IReadOnlyList<string> eligible, long round)
    {
        ArgumentNullException.ThrowIfNull(eligible);
        if (eligible.Count < _minEligible)
        {
            return null;
        }

        var coins = new byte[eligible.Count * sizeof(ulong)];
        using (var random = _randomOfRound(round))
        {
            random.Fill(coins);
        }

        var selected = new List<string>();
        for (var i = 0; i < eligible.Count; i++)
        {
            if (Uniform(coins.AsSpan(i * sizeof(ulong), sizeof(ulong))) < _sampleRate)
            {
                selected.Add(eligible[i]);
            }
        }

        return selected;
    }

    /// <summary>A double uniform on [0, 1) from the top 53 bits of 8 bytes (little-endian): every value k·2⁻⁵³ equally likely.</summary>
    internal static double Uniform(ReadOnlySpan<byte> bytes) => (BinaryPrimitives.ReadUInt64LittleEndian(bytes) >> 11) * (1.0 / (1UL << 53));
}
