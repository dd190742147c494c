using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Aggregation.Robust;
using Federated.Coordinator.Runs;
using static Federated.Coordinator.Tests.Aggregation.RobustTestModel;

namespace Federated.Coordinator.Tests.Aggregation;

/// <summary>The round buffer: the spill path gives the in-memory result bit for bit, and its file goes with the round.</summary>
public sealed class UpdateBufferTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "federated-spill-tests-" + Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData(RobustStrategies.Median, false)]
    [InlineData(RobustStrategies.Median, true)]
    [InlineData(RobustStrategies.TrimmedMean, true)]
    [InlineData(RobustStrategies.Krum, false)]
    [InlineData(RobustStrategies.MultiKrum, true)]
    [InlineData(FedAvgStrategy.StrategyName, true)]
    public void Finish_SpilledRound_BitIdenticalToTheRoundInMemory(string name, bool normBound)
    {
        var parameters = new Dictionary<string, double>();
        if (normBound)
        {
            parameters[NormBound.MultipleKey] = 1.2;
        }

        if (name.Contains("krum", StringComparison.Ordinal))
        {
            parameters[RobustStrategies.FKey] = 2;
        }

        if (name == RobustStrategies.TrimmedMean)
        {
            parameters[RobustStrategies.BetaKey] = 0.2;
        }

        var settings = new StrategySettings { Name = name, Parameters = parameters };
        var updates = RobustTestModel.Random(7, 11);
        var oneUpdate = Layout.TotalLength * sizeof(float);
        var inMemory = Aggregate(AggregationStrategies.Create(settings, Compiled), updates);
        var allSpilled = Aggregate(AggregationStrategies.Create(settings, Compiled, new UpdateBufferOptions { MemoryLimitBytes = 0, SpillDirectory = _directory }), updates);
        var halfSpilled = Aggregate(AggregationStrategies.Create(settings, Compiled, new UpdateBufferOptions { MemoryLimitBytes = 3 * oneUpdate, SpillDirectory = _directory }), updates);

        Assert.Equal(Bits(inMemory.Values), Bits(allSpilled.Values));
        Assert.Equal(Bits(inMemory.Values), Bits(halfSpilled.Values));
        Assert.NotEqual(Bits(Zeros().Values), Bits(inMemory.Values));
    }

    [Fact]
    public void Add_PastTheLimit_WholeUpdatesGoToTheFileAndMemoryStaysUnderTheLimit()
    {
        var oneUpdate = (long)Layout.TotalLength * sizeof(float);
        using var buffer = new UpdateBuffer(Layout, new UpdateBufferOptions { MemoryLimitBytes = (3 * oneUpdate) / 2, SpillDirectory = _directory });
        for (var k = 0; k < 3; k++)
        {
            buffer.Add(Constant(k + 1), Weights());
        }

        Assert.Equal(oneUpdate, buffer.MemoryBytes);
        Assert.Equal(2 * oneUpdate, buffer.SpilledBytes);
        Assert.NotNull(buffer[0].Values);
        Assert.Null(buffer[2].Values);
        var row = new float[3];
        buffer.Read(2, Layout.Tensors.ToList().FindIndex(t => t.Name == "emb/item"), 1, row);
        Assert.Equal([3f, 3f, 3f], row);
    }

    [Fact]
    public void Dispose_SpilledBuffer_DeletesItsFile()
    {
        var buffer = new UpdateBuffer(Layout, new UpdateBufferOptions { MemoryLimitBytes = 0, SpillDirectory = _directory });
        buffer.Add(Constant(1), Weights());
        Assert.Single(Directory.GetFiles(_directory));

        buffer.Dispose();

        Assert.Empty(Directory.GetFiles(_directory));
        Assert.Throws<ObjectDisposedException>(() => buffer.Add(Constant(1), Weights()));
    }

    [Fact]
    public void BeginRound_AfterAFinishedSpilledRound_DeletesThatRoundsFile()
    {
        var strategy = new RobustStrategy(Compiled, RobustStrategies.Median, new Dictionary<string, double>(), new UpdateBufferOptions { MemoryLimitBytes = 0, SpillDirectory = _directory });
        var first = strategy.BeginRound(Zeros());
        first.Add(Constant(1), Weights());
        var next = first.Finish();
        Assert.Single(Directory.GetFiles(_directory));

        strategy.BeginRound(next);

        Assert.Empty(Directory.GetFiles(_directory));
        Assert.Throws<InvalidOperationException>(first.Finish);
    }

    [Theory]
    [InlineData(RobustStrategies.Median)]
    [InlineData(FedAvgStrategy.StrategyName)]
    public void BeginRound_AfterAFinishedRound_ReusesItsArraysAndMatchesAFreshStrategyBitForBit(string name)
    {
        var settings = new StrategySettings { Name = name, Parameters = new Dictionary<string, double> { [NormBound.MultipleKey] = 1.1 } };
        var oneUpdate = Layout.TotalLength * sizeof(float);
        var options = new UpdateBufferOptions { MemoryLimitBytes = 4 * oneUpdate, SpillDirectory = _directory };
        var strategy = AggregationStrategies.Create(settings, Compiled, options);
        var first = strategy.BeginRound(Zeros());
        foreach (var (delta, weights) in RobustTestModel.Random(6, 5))
        {
            first.Add(delta, weights);
        }

        var next = first.Finish();
        var second = strategy.BeginRound(next);
        var fresh = AggregationStrategies.Create(settings, Compiled, options).BeginRound(next);
        foreach (var (delta, weights) in RobustTestModel.Random(5, 9))
        {
            second.Add(delta, weights);
            fresh.Add(delta, weights);
        }

        Assert.Equal(Bits(fresh.Finish().Values), Bits(second.Finish().Values));
    }

    [Fact]
    public void Add_WithRecycledArrays_BufferAndRecycledStayWithinTheLimit()
    {
        var oneUpdate = (long)Layout.TotalLength * sizeof(float);
        var recycled = new RecycledArrays();
        recycled.Replace([new float[Layout.TotalLength], new float[Layout.TotalLength], new float[7]]);
        using var buffer = new UpdateBuffer(Layout, new UpdateBufferOptions { MemoryLimitBytes = 2 * oneUpdate, SpillDirectory = _directory }, recycled);

        buffer.Add(Constant(1), Weights());
        Assert.True(buffer.MemoryBytes + recycled.Bytes <= 2 * oneUpdate);
        buffer.Add(Constant(2), Weights());
        buffer.Add(Constant(3), Weights());

        Assert.Equal(2 * oneUpdate, buffer.MemoryBytes);
        Assert.Equal(0, recycled.Bytes);
        Assert.Equal(oneUpdate, buffer.SpilledBytes);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
