using Federated.Simulation.Cli;

namespace Federated.Simulation.Tests.Cli;

public sealed class OptionsFileTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sim-options-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void SaveThenLoad_EverySetting_RoundTrips()
    {
        var written = new OptionsFile
        {
            Rounds = 7, LocalEpochs = 2, BatchSize = 128, LearningRate = 0.0042f, L2 = 3e-5f, Dim = 32, Hidden = [64, 32], ValidationFraction = 0.1, Patience = 3,
        };
        var path = Path.Combine(_folder, "best.json");

        written.Save(path);
        var read = OptionsFile.Load(path);

        Assert.Equal(written with { Hidden = null }, read with { Hidden = null });
        Assert.Equal([64, 32], read.Hidden!);
    }

    [Fact]
    public void Save_UnsetKeys_LeftOut()
    {
        var text = new OptionsFile { LearningRate = 0.01f }.ToJson();

        Assert.Contains("\"learningRate\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("rounds", text, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
