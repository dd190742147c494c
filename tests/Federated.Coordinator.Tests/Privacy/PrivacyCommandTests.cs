using System.Text.Json;
using Federated.Coordinator.Cli;

namespace Federated.Coordinator.Tests.Privacy;

/// <summary>The offline planner `coordinator privacy epsilon|noise`: tables, JSON for scripts, one-line errors with exit code 2.</summary>
public sealed class PrivacyCommandTests
{
    private static (int Code, string Output, string Error) Run(string args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var code = PrivacyCommand.Run(args.Split(' '), output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Run_EpsilonJson_OpacusVectorAndItsOrder()
    {
        var (code, output, error) = Run("epsilon --noise 1.5 --sample-rate 0.04 --steps 2250 --delta 1e-5 --json");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(["epsilon", "order"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(7.32911117143, json.RootElement.GetProperty("epsilon").GetDouble(), 1e-6);
    }

    [Fact]
    public void Run_NoiseJson_NoiseWhoseEpsilonStaysWithinTarget()
    {
        var (code, output, _) = Run("noise --target-epsilon 2 --sample-rate 0.01 --steps 1000 --delta 1e-5 --json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var z = json.RootElement.GetProperty("noise_multiplier").GetDouble();
        var epsilon = json.RootElement.GetProperty("epsilon").GetDouble();
        Assert.InRange(epsilon, 1.99, 2.0);
        var (_, check, _) = Run($"epsilon --noise {z:R} --sample-rate 0.01 --steps 1000 --delta 1e-5 --json");
        Assert.Equal(epsilon, JsonDocument.Parse(check).RootElement.GetProperty("epsilon").GetDouble());
    }

    [Fact]
    public void Run_EpsilonTable_NamesEveryFigure()
    {
        var (code, output, _) = Run("epsilon --noise 1.3 --sample-rate 0.0025 --steps 6000 --delta 1e-5");

        Assert.Equal(0, code);
        Assert.Contains("epsilon             0.7242234026", output, StringComparison.Ordinal);
        Assert.Contains("best RDP order      19", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_OwnOrderGrid_UsesOnlyThoseOrders()
    {
        var (_, output, _) = Run("epsilon --noise 1.3 --sample-rate 0.0025 --steps 6000 --delta 1e-5 --json --orders 2,4,8");

        Assert.Equal(8, JsonDocument.Parse(output).RootElement.GetProperty("order").GetDouble());
    }

    [Fact]
    public void Run_NoNoise_EpsilonNullInJson()
    {
        var (code, output, _) = Run("epsilon --noise 0 --sample-rate 0.1 --steps 3 --delta 1e-5 --json");

        Assert.Equal(0, code);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(output).RootElement.GetProperty("epsilon").ValueKind);
    }

    [Theory]
    [InlineData("epsilon --noise 1 --sample-rate 1.5 --steps 10 --delta 1e-5", "error: the sample rate must be in [0, 1] (got 1.5)")]
    [InlineData("epsilon --noise -1 --sample-rate 0.1 --steps 5 --delta 1e-5", "error: the noise multiplier must be a finite number ≥ 0 (got -1)")]
    [InlineData("epsilon --noise 1 --sample-rate 0.1 --steps -5 --delta 1e-5", "error: the number of steps must be ≥ 0 (got -5)")]
    [InlineData("epsilon --noise 1 --sample-rate 0.1 --steps 5 --delta 1", "error: δ must be in (0, 1) (got 1)")]
    [InlineData("epsilon --noise 1 --sample-rate 0.1 --steps 5 --delta 1e-5 --orders 2,abc", "error: --orders: 'abc' is not a number")]
    [InlineData("epsilon --noise 1 --sample-rate 0.1 --steps 5 --delta 1e-5 --orders 1,2", "error: RDP order 1 is not a finite number > 1")]
    [InlineData("epsilon --noise 1 --sample-rate 0.1 --steps 5", "error: Option '--delta' is required.")]
    [InlineData("noise --target-epsilon 1 --sample-rate 0.1 --steps 0 --delta 1e-5", "error: the number of steps must be ≥ 1 (got 0)")]
    [InlineData("noise --target-epsilon 0.0001 --sample-rate 1 --steps 100000 --delta 1e-5", "error: no noise multiplier up to 1000000 keeps ε within 0.0001")]
    public void Run_BadValue_OneLineAndExitCode2(string args, string expected)
    {
        var (code, output, error) = Run(args);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
