using Federated.Client.Training;
using Federated.Model.Optimization;

namespace Federated.Client.Tests.Training;

public sealed class TrainingAssignmentTests
{
    [Theory]
    [InlineData("sgd", OptimizerKind.Sgd)]
    [InlineData("Adam", OptimizerKind.Adam)]
    [InlineData("MOMENTUM", OptimizerKind.Momentum)]
    public void ParseOptimizer_KnownName_AnyCase_ReturnsKind(string name, OptimizerKind expected)
    {
        Assert.Equal(expected, TrainingAssignment.ParseOptimizer(name));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void ParseOptimizer_NoName_ReturnsNull(string? name)
    {
        Assert.Null(TrainingAssignment.ParseOptimizer(name));
    }

    [Theory]
    [InlineData("rmsprop")]
    [InlineData("0")]
    public void ParseOptimizer_UnknownName_ThrowsNamingIt(string name)
    {
        var error = Assert.Throws<InvalidDataException>(() => TrainingAssignment.ParseOptimizer(name));
        Assert.Contains($"'{name}'", error.Message, StringComparison.Ordinal);
    }
}
