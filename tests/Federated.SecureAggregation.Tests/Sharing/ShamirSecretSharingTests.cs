using System.Security.Cryptography;
using Federated.SecureAggregation.Sharing;

namespace Federated.SecureAggregation.Tests.Sharing;

public sealed class ShamirSecretSharingTests
{
    private static readonly int[] TenHolders = Enumerable.Range(1, 10).ToArray();

    [Fact]
    public void Combine_AnyThresholdSubset_ReconstructsSecret()
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var shares = ShamirSecretSharing.Split(secret, 6, TenHolders);

        // Every 6-subset of the 10 shares (210 of them), in a shuffled order too.
        foreach (var subset in Subsets(10, 6))
        {
            var chosen = subset.Select(i => shares[i]).ToArray();
            Assert.Equal(secret, ShamirSecretSharing.Combine(chosen, 6));
            Assert.Equal(secret, ShamirSecretSharing.Combine(chosen.Reverse().ToArray(), 6));
        }
    }

    [Fact]
    public void Combine_ThresholdMinusOneShares_Refused()
    {
        var shares = ShamirSecretSharing.Split(RandomNumberGenerator.GetBytes(32), 6, TenHolders);

        var error = Assert.Throws<ArgumentException>(() => ShamirSecretSharing.Combine(shares[..5], 6));
        Assert.Contains("threshold 6", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Combine_ThresholdMinusOneSharesPadded_GivesNoInformation()
    {
        // With t − 1 shares fixed, every candidate secret is consistent with some t-th share: interpolating the same
        // 5 shares with two different made-up 6th shares gives two different "secrets".
        var shares = ShamirSecretSharing.Split(RandomNumberGenerator.GetBytes(32), 6, TenHolders);
        var first = ShamirSecretSharing.Combine([.. shares[..5], new SecretShare(9, new byte[32])], 6);
        var second = ShamirSecretSharing.Combine([.. shares[..5], new SecretShare(9, Enumerable.Repeat((byte)1, 32).ToArray())], 6);

        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Combine_DuplicateIndex_Refused()
    {
        var shares = ShamirSecretSharing.Split(RandomNumberGenerator.GetBytes(32), 3, TenHolders);

        var error = Assert.Throws<ArgumentException>(() => ShamirSecretSharing.Combine([shares[0], shares[1], shares[1]], 3));
        Assert.Contains("appears twice", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(256)]
    [InlineData(-1)]
    public void Combine_UnknownIndex_Refused(int index)
    {
        var shares = ShamirSecretSharing.Split(RandomNumberGenerator.GetBytes(32), 2, TenHolders);

        var error = Assert.Throws<ArgumentException>(() => ShamirSecretSharing.Combine([shares[0], new SecretShare(index, shares[1].Value)], 2));
        Assert.Contains("outside 1–255", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Split_BadArguments_Refused()
    {
        var secret = RandomNumberGenerator.GetBytes(32);

        Assert.Throws<ArgumentOutOfRangeException>(() => ShamirSecretSharing.Split(secret, 11, TenHolders));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShamirSecretSharing.Split(secret, 0, TenHolders));
        Assert.Throws<ArgumentException>(() => ShamirSecretSharing.Split(secret.AsSpan(0, 31), 3, TenHolders));
        Assert.Throws<ArgumentException>(() => ShamirSecretSharing.Split(secret, 2, [1, 2, 2]));
        Assert.Throws<ArgumentException>(() => ShamirSecretSharing.Split(secret, 2, [0, 1]));
    }

    [Fact]
    public void SplitThenCombine_RandomThresholdsAndHolders_ReconstructsSecret()
    {
        var random = new Random(2017);
        for (var trial = 0; trial < 50; trial++)
        {
            var holders = random.Next(1, 256);
            var threshold = random.Next(1, holders + 1);
            var indices = Enumerable.Range(1, 255).OrderBy(_ => random.Next()).Take(holders).ToArray();
            var secret = RandomNumberGenerator.GetBytes(32);

            var shares = ShamirSecretSharing.Split(secret, threshold, indices);
            var chosen = shares.OrderBy(_ => random.Next()).Take(random.Next(threshold, holders + 1)).ToArray();

            Assert.Equal(secret, ShamirSecretSharing.Combine(chosen, threshold));
        }
    }

    private static IEnumerable<int[]> Subsets(int n, int k)
    {
        for (var mask = 0; mask < 1 << n; mask++)
        {
            if (int.PopCount(mask) == k)
            {
                yield return Enumerable.Range(0, n).Where(i => (mask & (1 << i)) != 0).ToArray();
            }
        }
    }
}
