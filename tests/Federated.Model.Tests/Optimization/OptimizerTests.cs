using Federated.Model.Optimization;

namespace Federated.Model.Tests.Optimization;

/// <summary>Factory, step counting, reset and argument validation, for every kind.</summary>
public sealed class OptimizerTests
{
    public static TheoryData<OptimizerKind> Kinds => [OptimizerKind.Sgd, OptimizerKind.Momentum, OptimizerKind.Adam];

    [Theory]
    [InlineData(OptimizerKind.Sgd, typeof(SgdOptimizer))]
    [InlineData(OptimizerKind.Momentum, typeof(MomentumOptimizer))]
    [InlineData(OptimizerKind.Adam, typeof(AdamOptimizer))]
    public void Create_EachKind_ReturnsMatchingOptimizer(OptimizerKind kind, Type expected)
    {
        var options = new OptimizerOptions { Kind = kind };

        var optimizer = Optimizer.Create(options, 10);

        Assert.IsType(expected, optimizer);
        Assert.Same(options, optimizer.Options);
        Assert.Equal(10, optimizer.ParameterCount);
        Assert.Equal(0, optimizer.Step);
    }

    [Fact]
    public void Create_NullOptions_ThrowsArgumentNull() =>
        Assert.Throws<ArgumentNullException>("options", () => Optimizer.Create(null!, 1));

    [Fact]
    public void Create_NegativeParameterCount_ThrowsOutOfRange() =>
        Assert.Throws<ArgumentOutOfRangeException>("parameterCount", () => Optimizer.Create(new OptimizerOptions(), -1));

    [Theory]
    [MemberData(nameof(Kinds))]
    public void BeginStep_CalledThreeTimes_StepIsThree(OptimizerKind kind)
    {
        var optimizer = Optimizer.Create(TestOptions.For(kind), 1);

        optimizer.BeginStep();
        optimizer.BeginStep();
        optimizer.BeginStep();

        Assert.Equal(3, optimizer.Step);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Reset_AfterSteps_ZeroesStateAndStep(OptimizerKind kind)
    {
        var optimizer = Optimizer.Create(TestOptions.For(kind), 50);
        var parameters = SeededData.Uniform(seed: 30, 50);
        optimizer.BeginStep();
        optimizer.UpdateDense(parameters, SeededData.Uniform(seed: 31, 50), 0);

        optimizer.Reset();

        Assert.Equal(0, optimizer.Step);
        Assert.All(OptimizerStateSnapshot.Of(optimizer), state => Assert.All(state, value => Assert.Equal(0f, value)));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Reset_ThenUpdate_EqualsFreshOptimizerBitForBit(OptimizerKind kind)
    {
        var used = Optimizer.Create(TestOptions.For(kind), 40);
        var fresh = Optimizer.Create(TestOptions.For(kind), 40);
        var scratch = SeededData.Uniform(seed: 32, 40);
        for (var step = 0; step < 3; step++)
        {
            used.BeginStep();
            used.UpdateDense(scratch, SeededData.Uniform(seed: 33 + step, 40), 0);
        }

        var usedParameters = SeededData.Uniform(seed: 40, 40);
        var freshParameters = usedParameters.ToArray();
        var gradients = SeededData.Uniform(seed: 41, 40);

        used.Reset();
        used.BeginStep();
        used.UpdateDense(usedParameters, gradients, 0);
        fresh.BeginStep();
        fresh.UpdateDense(freshParameters, gradients, 0);

        FloatAssert.BitIdentical(freshParameters, usedParameters);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void UpdateDense_BeforeBeginStep_ThrowsInvalidOperation(OptimizerKind kind)
    {
        var optimizer = Optimizer.Create(TestOptions.For(kind), 2);

        Assert.Throws<InvalidOperationException>(() => optimizer.UpdateDense(new float[2], new float[2], 0));
        Assert.Throws<InvalidOperationException>(() => optimizer.UpdateRows(new float[2], 1, [0], [1f], 0));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void UpdateDense_LengthMismatch_ThrowsNamingGradients(OptimizerKind kind)
    {
        var optimizer = Started(kind, 10);

        Assert.Throws<ArgumentException>("gradients", () => optimizer.UpdateDense(new float[4], new float[3], 0));
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd, -1)]
    [InlineData(OptimizerKind.Momentum, 7)]
    [InlineData(OptimizerKind.Adam, 7)]
    [InlineData(OptimizerKind.Adam, int.MaxValue)]
    public void UpdateDense_RangeOutsideLayout_ThrowsNamingOffset(OptimizerKind kind, int offset)
    {
        var optimizer = Started(kind, 10);
        var parameters = new float[4];

        Assert.Throws<ArgumentOutOfRangeException>(nameof(offset), () => optimizer.UpdateDense(parameters, new float[4], offset));
        Assert.All(parameters, value => Assert.Equal(0f, value));
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd, 5)]
    [InlineData(OptimizerKind.Momentum, -1)]
    [InlineData(OptimizerKind.Adam, 5)]
    [InlineData(OptimizerKind.Adam, int.MinValue)]
    public void UpdateRows_RowIdOutOfRange_ThrowsNamingRowAndChangesNothing(OptimizerKind kind, int badRow)
    {
        var optimizer = Started(kind, 10);
        var table = SeededData.Uniform(seed: 50, 10);
        var before = table.ToArray();

        var error = Assert.Throws<ArgumentOutOfRangeException>(
            "rows", () => optimizer.UpdateRows(table, 2, [0, badRow], [1f, 1f, 1f, 1f], 0));

        Assert.Contains($"Row id {badRow}", error.Message, StringComparison.Ordinal);
        FloatAssert.BitIdentical(before, table);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void UpdateRows_NonPositiveRowLength_ThrowsNamingRowLength(OptimizerKind kind)
    {
        var optimizer = Started(kind, 10);

        Assert.Throws<ArgumentOutOfRangeException>("rowLength", () => optimizer.UpdateRows(new float[10], 0, [], [], 0));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void UpdateRows_TableNotWholeRows_ThrowsNamingTable(OptimizerKind kind)
    {
        var optimizer = Started(kind, 10);

        Assert.Throws<ArgumentException>("table", () => optimizer.UpdateRows(new float[9], 2, [0], [1f, 1f], 0));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void UpdateRows_RowGradientShapeMismatch_ThrowsNamingRowGradients(OptimizerKind kind)
    {
        var optimizer = Started(kind, 10);

        Assert.Throws<ArgumentException>("rowGradients", () => optimizer.UpdateRows(new float[10], 2, [0, 1], [1f, 1f, 1f], 0));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void UpdateRows_TablePastEndOfLayout_ThrowsNamingOffset(OptimizerKind kind)
    {
        var optimizer = Started(kind, 10);

        Assert.Throws<ArgumentOutOfRangeException>("offset", () => optimizer.UpdateRows(new float[8], 2, [0], [1f, 1f], 4));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void UpdateRows_NoRows_ChangesNothing(OptimizerKind kind)
    {
        var optimizer = Started(kind, 10);
        var table = SeededData.Uniform(seed: 51, 10);
        var before = table.ToArray();

        optimizer.UpdateRows(table, 5, [], [], 0);

        FloatAssert.BitIdentical(before, table);
    }

    private static Optimizer Started(OptimizerKind kind, int parameterCount)
    {
        var optimizer = Optimizer.Create(TestOptions.For(kind), parameterCount);
        optimizer.BeginStep();
        return optimizer;
    }
}
