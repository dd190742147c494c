namespace Federated.Simulation.Tests.Cli;

/// <summary>A series whose model blows up ends the run with one line naming the series, round, client and learning rate, exit code 1.</summary>
public sealed class DivergenceCommandLineTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sim-diverge-" + Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public void Main_FederatedLearningRateFarTooHigh_OneLineNamingRoundFirstClientAndRateExitCode1(string workers)
    {
        // Every client diverges; the first in client order is named, whichever worker finished first.
        var (code, error) = SimulationEntryPoint.Run("--optimizer", "sgd", "--learning-rate", "100", "--rounds", "2", "--workers", workers, "--out", _folder);

        Assert.Equal(1, code);
        Assert.Equal(
            "error: the federated series diverged in round 1 at client institution-0: the model's click predictions are not finite (NaN) on its training rows: training diverged; try a lower --learning-rate than 100",
            error.Trim());
        Assert.False(File.Exists(Path.Combine(_folder, "report.md")));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public void Main_ReferenceLearningRateFarTooHigh_NamesTheCentralisedSeriesAndTheReferenceOption(string workers)
    {
        // The centralised model is the references' first job: it is named whatever the number of workers.
        var (code, error) = SimulationEntryPoint.Run(
            "--rounds", "1", "--workers", workers, "--reference-optimizer", "sgd", "--reference-learning-rate", "100", "--out", _folder);

        Assert.Equal(1, code);
        Assert.StartsWith("error: the centralised series diverged in round 1: the model's ", error, StringComparison.Ordinal);
        Assert.EndsWith("try a lower --reference-learning-rate than 100", error.Trim(), StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
