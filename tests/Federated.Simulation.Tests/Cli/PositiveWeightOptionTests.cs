using Federated.Simulation.Cli;
using Federated.Simulation.Engine;
using Federated.Simulation.Synthetic;

namespace Federated.Simulation.Tests.Cli;

/// <summary><c>--positive-weight</c>: applied to the model's binary tasks, refused in one line with exit code 2.</summary>
public sealed class PositiveWeightOptionTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sim-posweight-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Apply_ConversionWeight_SetsOnlyThatTaskAndAddsCalibrationFigures()
    {
        var spec = SyntheticFederation.Generate(institutions: 2, items: 20).DefaultSpec();

        var weighted = PositiveWeightOption.Apply(spec, "conversion=5");

        Assert.Equal(5f, weighted.Tasks[1].PositiveWeight);
        Assert.Null(weighted.Tasks[0].PositiveWeight);
        Assert.Contains("recall@0.5", MetricRecorder.MetricsOf(weighted.Tasks[1]));
        Assert.Equal(["auc", "logloss"], MetricRecorder.MetricsOf(weighted.Tasks[0]));
        Assert.Same(spec, PositiveWeightOption.Apply(spec, null));
    }

    [Theory]
    [InlineData("conversion", "error: --positive-weight 'conversion': expected TASK=W")]
    [InlineData("conversion=0", "error: --positive-weight conversion=0: the weight must be a finite number > 0")]
    [InlineData("conversion=-1", "error: --positive-weight conversion=-1: the weight must be a finite number > 0")]
    [InlineData("conversion=abc", "error: --positive-weight conversion=abc: the weight must be a finite number > 0")]
    [InlineData("conversion=2,conversion=3", "error: --positive-weight: task 'conversion' is given twice")]
    [InlineData("purchase=2", "error: --positive-weight: the model has no task 'purchase' (its tasks: click, conversion, rating)")]
    [InlineData("rating=2", "error: --positive-weight: task 'rating' is a regression task; positive weights apply to binary tasks only")]
    public void Main_BadPositiveWeight_OneLineErrorAndExitCode2(string value, string expected)
    {
        var (code, error) = SimulationEntryPoint.Run("--positive-weight", value, "--rounds", "1", "--out", _folder);

        Assert.Equal(2, code);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(Path.Combine(_folder, "report.md")));
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
