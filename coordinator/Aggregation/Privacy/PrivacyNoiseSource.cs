using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Federated.Coordinator.Privacy;

namespace Federated.Coordinator.Aggregation.Privacy;

/// <summary>
/// Where a private run's randomness comes from — its noise and its Poisson sample of nodes: in production a fresh
/// <see cref="AesCounterRandom.FromSystemRandom"/> stream per round, which nobody can repeat; in simulations and tests a
/// keyed stream per round, so that a run repeats and a restarted coordinator draws exactly the noise it would have
/// drawn. Never <see cref="System.Random"/>.
/// </summary>
/// <remarks>
/// Noise: a keyed round's AES key is SHA-256(key ‖ step as int64 little-endian), step being the rounds the run has
/// released before it; a run-seeded source's key is SHA-256("Federated.DP-noise" ‖ seed as int32 little-endian).
/// Sampling: the round's AES key is SHA-256(base ‖ round as int64 little-endian), base being SHA-256("Federated.DP-sampling"
/// ‖ key) for a keyed source and SHA-256("Federated.DP-sampling" ‖ seed as int32 little-endian) for a run-seeded one, so the
/// sample and the noise never share a stream.
/// </remarks>
public sealed class PrivacyNoiseSource
{
    private static readonly byte[] SeedLabel = Encoding.ASCII.GetBytes("Federated.DP-noise");
    private static readonly byte[] SamplingLabel = Encoding.ASCII.GetBytes("Federated.DP-sampling");
    private readonly byte[]? _key;
    private readonly bool _fromRunSeed;

    private PrivacyNoiseSource(byte[]? key, bool fromRunSeed)
    {
        _key = key;
        _fromRunSeed = fromRunSeed;
    }

    /// <summary>The production source: every round's noise keyed by the operating system's CSPRNG.</summary>
    public static PrivacyNoiseSource System { get; } = new(null, false);

    /// <summary>Repeatable noise derived from each run's <c>seed</c> (simulations: the same seed, the same noise).</summary>
    public static PrivacyNoiseSource FromRunSeed { get; } = new(null, true);

    /// <summary>Whether the noise repeats (keyed), so that it must not be used where privacy matters.</summary>
    public bool IsRepeatable => _key is not null || _fromRunSeed;

    /// <summary>Repeatable noise from a fixed key of any length (tests).</summary>
    public static PrivacyNoiseSource Keyed(ReadOnlySpan<byte> key) => new(key.ToArray(), false);

    /// <summary>The generator of each round of a run with seed <paramref name="runSeed"/>, by the rounds released before it.</summary>
    public Func<long, GaussianNoise> ForRun(int runSeed)
    {
        var key = _key;
        if (_fromRunSeed)
        {
            var input = new byte[SeedLabel.Length + 4];
            SeedLabel.CopyTo(input, 0);
            BinaryPrimitives.WriteInt32LittleEndian(input.AsSpan(SeedLabel.Length), runSeed);
            key = SHA256.HashData(input);
        }

        if (key is null)
        {
            return _ => new GaussianNoise(AesCounterRandom.FromSystemRandom());
        }

        return step =>
        {
            var input = new byte[key.Length + 8];
            key.CopyTo(input, 0);
            BinaryPrimitives.WriteInt64LittleEndian(input.AsSpan(key.Length), step);
            Span<byte> roundKey = stackalloc byte[32];
            SHA256.HashData(input, roundKey);
            return new GaussianNoise(AesCounterRandom.FromKey(roundKey));
        };
    }

    /// <summary>The random stream of each round's Poisson sample of a run with seed <paramref name="runSeed"/>, by round number.</summary>
    public Func<long, AesCounterRandom> SamplingForRun(int runSeed)
    {
        byte[]? baseKey = null;
        if (_fromRunSeed)
        {
            var seed = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(seed, runSeed);
            baseKey = Labelled(SamplingLabel, seed);
        }
        else if (_key is not null)
        {
            baseKey = Labelled(SamplingLabel, _key);
        }

        if (baseKey is null)
        {
            return _ => AesCounterRandom.FromSystemRandom();
        }

        return round =>
        {
            var input = new byte[baseKey.Length + 8];
            baseKey.CopyTo(input, 0);
            BinaryPrimitives.WriteInt64LittleEndian(input.AsSpan(baseKey.Length), round);
            Span<byte> roundKey = stackalloc byte[32];
            SHA256.HashData(input, roundKey);
            return AesCounterRandom.FromKey(roundKey);
        };
    }

    private static byte[] Labelled(byte[] label, ReadOnlySpan<byte> value)
    {
        var input = new byte[label.Length + value.Length];
        label.CopyTo(input, 0);
        value.CopyTo(input.AsSpan(label.Length));
        return SHA256.HashData(input);
    }
}
