using Federated.Simulation.Attacks;

namespace Federated.Simulation.Tests.Attacks;

public sealed class MaliciousClientsTests
{
    [Fact]
    public void Choose_SameSeed_SameAscendingDistinctSet()
    {
        var first = MaliciousClients.Choose(10, 3, seed: 7);
        var second = MaliciousClients.Choose(10, 3, seed: 7);

        Assert.Equal(first, second);
        Assert.Equal(3, first.Distinct().Count());
        Assert.Equal(first.Order(), first);
        Assert.All(first, c => Assert.InRange(c, 0, 9));
    }

    [Fact]
    public void Choose_OtherSeeds_OtherSets()
    {
        var sets = Enumerable.Range(1, 10).Select(seed => string.Join(",", MaliciousClients.Choose(10, 2, seed))).Distinct().Count();

        Assert.True(sets > 5, $"{sets} distinct sets over 10 seeds");
    }

    [Fact]
    public void Choose_Zero_Empty() => Assert.Empty(MaliciousClients.Choose(5, 0, seed: 1));

    [Theory]
    [InlineData(-1)]
    [InlineData(5)]
    [InlineData(6)]
    public void Choose_OutOfRange_ErrorNamingTheOption(int count)
    {
        var error = Assert.Throws<ArgumentException>(() => MaliciousClients.Choose(5, count, seed: 1));

        Assert.StartsWith($"--malicious {count}: must be in [0, 5)", error.Message, StringComparison.Ordinal);
    }
}
