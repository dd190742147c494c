namespace Federated.Simulation.Tests.Cli;

/// <summary>Report folders and files that cannot be written are refused in one line (exit 2) before anything trains.</summary>
public sealed class OutputPathsCommandLineTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sim-outputs-").FullName;

    [Fact]
    public void Main_OutIsAFile_OneLineExitCode2BeforeTraining()
    {
        var file = Path.Combine(_folder, "taken");
        File.WriteAllText(file, "not a folder");

        var (code, error) = SimulationEntryPoint.Run("--rounds", "1", "--out", file);

        Assert.Equal(2, code);
        Assert.StartsWith($"error: --out {file}: cannot write in {file}: the directory cannot be created (", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("not a folder", File.ReadAllText(file));
    }

    [Fact]
    public void Main_SummaryIsADirectory_OneLineExitCode2AndNoReport()
    {
        var report = Path.Combine(_folder, "report");

        var (code, error) = SimulationEntryPoint.Run("--rounds", "1", "--out", report, "--summary", _folder);

        Assert.Equal(2, code);
        Assert.Equal($"error: --summary {_folder}: is a directory, not a file", error.Trim());
        Assert.False(File.Exists(Path.Combine(report, "report.md")));
    }

    [Fact]
    public void Main_TuneOutUnderAFile_OneLineExitCode2BeforeLoading()
    {
        var file = Path.Combine(_folder, "taken");
        File.WriteAllText(file, "");
        var options = Path.Combine(file, "best.json");

        var (code, error) = SimulationEntryPoint.Run("tune", "--path", "/nonexistent", "--validation-fraction", "0.1", "--out", options);

        Assert.Equal(2, code);
        Assert.StartsWith($"error: --out {options}: cannot write in {file}: the directory cannot be created (", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Main_WritableOut_ProbeFileLeavesNoTrace()
    {
        var report = Path.Combine(_folder, "report");

        var (code, _) = SimulationEntryPoint.Run("--rounds", "1", "--out", report);

        Assert.Equal(0, code);
        Assert.DoesNotContain(Directory.EnumerateFiles(report), f => Path.GetFileName(f).StartsWith(".write-check", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(report, "report.md")));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
