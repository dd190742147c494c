using System.Security.Cryptography;
using Federated.SecureAggregation.Crypto;

namespace Federated.SecureAggregation.Tests.Crypto;

public sealed class PrimitiveBehaviourTests
{
    private static readonly SecAggContext Context = new("run-a", 3);

    [Fact]
    public void SharedSecret_PointNotOnCurve_Refused()
    {
        using var key = KeyAgreement.Generate();
        var bad = KeyAgreement.ExportPublicKey(key);
        bad[64] ^= 1;

        Assert.Throws<ArgumentException>(() => KeyAgreement.SharedSecret(key, bad));
        Assert.Throws<ArgumentException>(() => KeyAgreement.SharedSecret(key, bad.AsSpan(1)));
    }

    [Fact]
    public void PairwiseMaskSeed_BindsPartiesRoundAndPurpose()
    {
        var secret = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

        var seed = SeedDerivation.PairwiseMaskSeed(secret, Context, 2, 7);

        Assert.Equal(seed, SeedDerivation.PairwiseMaskSeed(secret, Context, 7, 2));
        Assert.NotEqual(seed, SeedDerivation.PairwiseMaskSeed(secret, Context, 2, 8));
        Assert.NotEqual(seed, SeedDerivation.PairwiseMaskSeed(secret, Context with { Round = 4 }, 2, 7));
        Assert.NotEqual(seed, SeedDerivation.PairwiseMaskSeed(secret, Context with { RunId = "run-b" }, 2, 7));
        Assert.NotEqual(seed, SeedDerivation.ShareEncryptionKey(secret, Context, 2, 7));
    }

    [Fact]
    public void Open_SealedForAnotherRecipient_FailsAuthentication()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var plaintext = RandomNumberGenerator.GetBytes(64);
        var sealedBundle = ShareCipher.Seal(key, plaintext, ShareCipher.AssociatedData(Context, 1, 2));

        Assert.Equal(plaintext, ShareCipher.Open(key, sealedBundle, ShareCipher.AssociatedData(Context, 1, 2)));
        Assert.Throws<SecureAggregationException>(() => ShareCipher.Open(key, sealedBundle, ShareCipher.AssociatedData(Context, 1, 3)));
        Assert.Throws<SecureAggregationException>(() => ShareCipher.Open(key, sealedBundle, ShareCipher.AssociatedData(Context with { Round = 4 }, 1, 2)));
        sealedBundle[20] ^= 1;
        Assert.Throws<SecureAggregationException>(() => ShareCipher.Open(key, sealedBundle, ShareCipher.AssociatedData(Context, 1, 2)));
    }

    [Fact]
    public void AddThenSubtract_SameSeed_RestoresVector()
    {
        var seed = Enumerable.Range(0, 32).Select(i => (byte)(3 * i)).ToArray();
        var vector = Enumerable.Range(0, 100_003).Select(i => (uint)i).ToArray();

        MaskExpansion.Add(seed, vector);
        Assert.NotEqual(5u, vector[5]);
        MaskExpansion.Subtract(seed, vector);

        Assert.Equal(Enumerable.Range(0, 100_003).Select(i => (uint)i), vector);
    }

    [Fact]
    public void Add_ToZeros_GivesKeystreamAsLittleEndianWords()
    {
        var seed = Enumerable.Range(0, 32).Select(i => (byte)(7 * i)).ToArray();
        var stream = new byte[32];
        MaskExpansion.Keystream(seed, 0, stream);
        var words = new uint[7];

        MaskExpansion.Add(seed, words);

        Assert.Equal(Enumerable.Range(0, 7).Select(i => BitConverter.ToUInt32(stream, 4 * i)), words);
    }
}
