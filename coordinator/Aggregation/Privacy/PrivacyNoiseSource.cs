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
/// A repeatable round's AES-256 key is HKDF-SHA256 (RFC 5869, .NET's <see cref="HKDF"/>) with the source's key as input
/// keying material — the given key, or the run's seed as int32 little-endian for <see cref="FromRunSeed"/> — no salt, and
/// as info the purpose's label followed by an int64 little-endian: "Federated.DP-noise" ‖ the rounds the run released
/// before the round (noise), or "Federated.DP-sampling" ‖ the round's number (the sample). The two purposes never share a
/// stream.
/// </remarks>
public sealed class PrivacyNoiseSource
{
    private static readonly byte[] NoiseLabel = Encoding.ASCII.GetBytes("Federated.DP-noise");
    private static readonly byte[] SamplingLabel = Encoding.ASCII.GetBytes("Federated.DP-sampling");
    private readonly byte[]? _key;
    private readonly bool _fromRunSeed;

    private PrivacyNoiseSource(byte[]? key, bool fromRunSeed)
    {
        _key = key;
        _fromRunSeed = fromRunSeed;
    }

    /// <summary>The production source: every round's noise and sample keyed by the operating system's CSPRNG.</summary>
    public static PrivacyNoiseSource System { get; } = new(null, false);

    /// <summary>Repeatable noise and samples derived from each run's <c>seed</c> (simulations: the same seed, the same noise).</summary>
    public static PrivacyNoiseSource FromRunSeed { get; } = new(null, true);

    /// <summary>Whether the noise repeats (keyed), so that it must not be used where privacy matters.</summary>
    public bool IsRepeatable => _key is not null || _fromRunSeed;

    /// <summary>Repeatable noise and samples from a fixed key of any length ≥ 1 (tests).</summary>
    public static PrivacyNoiseSource Keyed(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty)
        {
            throw new ArgumentException("a key needs at least one byte", nameof(key));
        }

        return new(key.ToArray(), false);
    }

    /// <summary>The generator of each round of a run with seed <paramref name="runSeed"/>, by the rounds released before it.</summary>
    public Func<long, GaussianNoise> ForRun(int runSeed)
    {
        var streams = Streams(runSeed, NoiseLabel);
        return step => new GaussianNoise(streams(step));
    }

    /// <summary>The random stream of each round's Poisson sample of a run with seed <paramref name="runSeed"/>, by round number.</summary>
    public Func<long, AesCounterRandom> SamplingForRun(int runSeed) => Streams(runSeed, SamplingLabel);

    /// <summary>The HKDF-SHA256 key of one repeatable stream (the derivation in the remarks).</summary>
    internal static byte[] RoundKey(ReadOnlySpan<byte> inputKey, ReadOnlySpan<byte> label, long index)
    {
        var info = new byte[label.Length + sizeof(long)];
        label.CopyTo(info);
        BinaryPrimitives.WriteInt64LittleEndian(info.AsSpan(label.Length), index);
        return HKDF.DeriveKey(HashAlgorithmName.SHA256, inputKey.ToArray(), 32, [], info);
    }

    private Func<long, AesCounterRandom> Streams(int runSeed, byte[] label)
    {
        var inputKey = _key;
        if (_fromRunSeed)
        {
            inputKey = new byte[sizeof(int)];
            BinaryPrimitives.WriteInt32LittleEndian(inputKey, runSeed);
        }

        if (inputKey is null)
        {
            return _ => AesCounterRandom.FromSystemRandom();
        }

        return index =>
        {
            var key = RoundKey(inputKey, label, index);
            try
            {
                return AesCounterRandom.FromKey(key);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        };
    }
}
