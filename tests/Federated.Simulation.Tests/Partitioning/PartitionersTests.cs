using Federated.Simulation.Partitioning;

namespace Federated.Simulation.Tests.Partitioning;

public sealed class PartitionersTests
{
    private static void AssertCoversEachExampleOnce(DataPartition partition, int examples)
    {
        var all = partition.Clients.SelectMany(c => c).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, examples), all);
    }

    private static string Label(int i) => (i * 7919 % 10).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Mean total-variation distance between each client's label distribution and the global one.</summary>
    private static double Skew(DataPartition partition, int examples)
    {
        var global = Enumerable.Range(0, examples).GroupBy(Label).ToDictionary(g => g.Key, g => g.Count() / (double)examples);
        return partition.Clients.Average(client =>
        {
            var local = client.GroupBy(Label).ToDictionary(g => g.Key, g => g.Count() / (double)client.Length);
            return global.Keys.Sum(k => Math.Abs(global[k] - local.GetValueOrDefault(k))) / 2;
        });
    }

    [Fact]
    public void Iid_AnySeed_CoversEveryExampleOnceWithBalancedSizes()
    {
        var partition = Partitioners.Iid(1003, 10, seed: 4);

        AssertCoversEachExampleOnce(partition, 1003);
        Assert.InRange(partition.Clients.Max(c => c.Length) - partition.Clients.Min(c => c.Length), 0, 1);
        Assert.Contains("iid", partition.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Iid_SameSeed_SamePartition_OtherSeedDiffers()
    {
        Assert.Equal(Partitioners.Iid(500, 7, 1).Clients, Partitioners.Iid(500, 7, 1).Clients);
        Assert.NotEqual(Partitioners.Iid(500, 7, 1).Clients, Partitioners.Iid(500, 7, 2).Clients);
    }

    [Fact]
    public void Dirichlet_SmallerAlpha_GivesMoreSkewedClients()
    {
        const int examples = 5000;
        var nearIid = Partitioners.Dirichlet(examples, 10, 100, Label, "label", seed: 3);
        var medium = Partitioners.Dirichlet(examples, 10, 1, Label, "label", seed: 3);
        var skewed = Partitioners.Dirichlet(examples, 10, 0.1, Label, "label", seed: 3);

        AssertCoversEachExampleOnce(skewed, examples);
        AssertCoversEachExampleOnce(medium, examples);
        Assert.True(Skew(nearIid, examples) < Skew(medium, examples), $"{Skew(nearIid, examples)} vs {Skew(medium, examples)}");
        Assert.True(Skew(medium, examples) < Skew(skewed, examples), $"{Skew(medium, examples)} vs {Skew(skewed, examples)}");
        Assert.True(Skew(nearIid, examples) < 0.1);
        Assert.Contains("alpha=0.1", skewed.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Dirichlet_SameSeed_SamePartition()
    {
        Assert.Equal(
            Partitioners.Dirichlet(800, 5, 0.5, Label, "label", 9).Clients,
            Partitioners.Dirichlet(800, 5, 0.5, Label, "label", 9).Clients);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    public void Dirichlet_InvalidAlpha_Throws(double alpha)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Partitioners.Dirichlet(100, 3, alpha, Label, "label", 1));
    }

    [Fact]
    public void ByKey_NaturalKey_OneClientPerValueNamedByIt()
    {
        string Region(int i) => i % 3 == 0 ? "north" : i % 3 == 1 ? "south" : "west";
        var partition = Partitioners.ByKey(30, Region, "region");

        Assert.Equal(["north", "south", "west"], partition.ClientNames);
        Assert.All(partition.Clients, c => Assert.Equal(10, c.Length));
        Assert.All(partition.Clients[1], i => Assert.Equal("south", Region(i)));
        AssertCoversEachExampleOnce(partition, 30);
    }

    [Fact]
    public void PerUser_UserKey_OneClientPerUserHoldingAllItsExamples()
    {
        string User(int i) => "u" + (i % 7).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var partition = Partitioners.PerUser(70, User);

        Assert.Equal(7, partition.Count);
        Assert.All(partition.Clients, c => Assert.Single(c.Select(User).Distinct()));
        Assert.StartsWith("per-user", partition.Description, StringComparison.Ordinal);
        AssertCoversEachExampleOnce(partition, 70);
    }
}
