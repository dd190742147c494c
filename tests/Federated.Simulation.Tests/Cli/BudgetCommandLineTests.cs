namespace Federated.Simulation.Tests.Cli;

/// <summary>The validation, early-stopping, options-file and tune flags with bad values: one line, exit code 2, nothing run.</summary>
public sealed class BudgetCommandLineTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sim-budget-" + Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData("--patience|3", "error: --patience and --select-by need --validation-fraction > 0")]
    [InlineData("--select-by|rating:rmse", "error: --patience and --select-by need --validation-fraction > 0")]
    [InlineData("--validation-fraction|1", "error: --validation-fraction 1: must be in [0, 1)")]
    [InlineData("--validation-fraction|-0.1", "error: --validation-fraction -0.1: must be in [0, 1)")]
    [InlineData("--validation-fraction|0.1|--patience|0", "error: --patience 0: must be ≥ 1 round")]
    [InlineData("--reference-rounds|0", "error: --reference-rounds 0: must be ≥ 1")]
    [InlineData("--workers|0", "error: --workers 0: must be ≥ 1")]
    [InlineData("--ensemble|0", "error: --ensemble 0: must be in [1, 32]")]
    [InlineData("movielens|--path|/nonexistent|--ensemble|33", "error: --ensemble 33: must be in [1, 32]")]
    [InlineData("--ensemble|2|--dp-noise|1|--dp-clip|1", "error: --ensemble with differential privacy: every member would spend the privacy budget again")]
    [InlineData("--ensemble|2|--dp-sweep|0.5,1|--dp-clip|1", "error: --ensemble with differential privacy")]
    [InlineData("movielens|--path|/nonexistent|--workers|-3", "error: --workers -3: must be ≥ 1")]
    [InlineData("--validation-fraction|0.1|--select-by|rating", "error: --select-by 'rating': expected TASK:METRIC")]
    [InlineData("--validation-fraction|0.1|--select-by|rating:auc", "error: --select-by 'rating:auc': task rating reports rmse, mae, not 'auc'")]
    [InlineData("movielens|--path|/nonexistent|--validation-fraction|0.1|--select-by|stars:rmse", "error: --select-by 'stars:rmse': no task 'stars'")]
    [InlineData("--options|/nonexistent/best.json", "error: --options /nonexistent/best.json: ")]
    [InlineData("tune|--path|/nonexistent", "error: tune scores trials on validation rows only: give --validation-fraction in (0, 1)")]
    [InlineData("tune|--path|/nonexistent|--validation-fraction|0", "error: tune scores trials on validation rows only")]
    [InlineData("tune|--path|/nonexistent|--validation-fraction|0.1|--trials|0", "error: --trials and --budget must be ≥ 1")]
    [InlineData("tune|--path|/nonexistent|--validation-fraction|0.1|--patience|0", "error: --patience 0: must be ≥ 1 round")]
    [InlineData("tune|--path|/nonexistent|--validation-fraction|0.1|--workers|0", "error: --workers 0: must be ≥ 1")]
    public void Main_BadBudgetValue_OneLineErrorAndExitCode2(string args, string expected)
    {
        var arguments = args.Split('|');
        var (code, error) = SimulationEntryPoint.Run(arguments[0] == "tune" ? arguments : [.. arguments, "--out", _folder]);

        Assert.Equal(2, code);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(Path.Combine(_folder, "report.md")));
    }

    [Fact]
    public void Main_OptionsFileWithUnknownKey_OneLineNamingTheFile()
    {
        Directory.CreateDirectory(_folder);
        var file = Path.Combine(_folder, "best.json");
        File.WriteAllText(file, """{ "learningRate": 0.01, "learnignRate": 0.02 }""");

        var (code, error) = SimulationEntryPoint.Run("--options", file, "--out", _folder);

        Assert.Equal(2, code);
        Assert.StartsWith($"error: --options {file}: ", error, StringComparison.Ordinal);
        Assert.Contains("learnignRate", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Main_OptionsFileWithDimForSyntheticModel_RefusedInOneLine()
    {
        Directory.CreateDirectory(_folder);
        var file = Path.Combine(_folder, "best.json");
        File.WriteAllText(file, """{ "dim": 32 }""");

        var (code, error) = SimulationEntryPoint.Run("--options", file, "--out", _folder);

        Assert.Equal(2, code);
        Assert.StartsWith($"error: --options {file}: dim and hidden apply to the built-in MovieLens model only", error, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
