using System.Diagnostics;

namespace Federated.Simulation.Tests.Cli;

/// <summary>
/// The simulation written to a file or a pipe (the built program run as a child process, so that its output really is
/// redirected): one line per event at full width, nothing cut to the 80 columns a console library assumes without a
/// terminal, and the better/worse marks spelled out rather than shown only in colour.
/// </summary>
public sealed class RedirectedOutputTests : IDisposable
{
    /// <summary>Longest wait for the one-round run; a bound against a hang, not a timing.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sim-redirected-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Main_OutputRedirected_FullWidthLinesWithoutTruncationOrColour()
    {
        var program = typeof(Federated.Simulation.Engine.Experiment).Assembly.Location;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { program, "--rounds", "1", "--out", _folder })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Bound);
        await process.WaitForExitAsync(timeout.Token);
        var lines = (await output).Split('\n').Select(l => l.TrimEnd('\r')).ToList();

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await error}");
        Assert.DoesNotContain(lines, l => l.Contains('…', StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains('\u001b', StringComparison.Ordinal));

        // Lines longer than 80 columns stay whole: the settings line and the per-client legend.
        Assert.Contains(lines, l => l.StartsWith("synthetic (10 institutions", StringComparison.Ordinal) && l.EndsWith("1 rounds, 2 workers.", StringComparison.Ordinal));
        var legend = Assert.Single(lines, l => l.StartsWith("per client:", StringComparison.Ordinal));
        Assert.EndsWith("federated (▲ better / ▼ worse than alone) | alone", legend, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("│ institution-0 │", StringComparison.Ordinal) && (l.Contains('▲', StringComparison.Ordinal) || l.Contains('▼', StringComparison.Ordinal)));
        Assert.Contains("rating (test rows of all clients)", lines);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
