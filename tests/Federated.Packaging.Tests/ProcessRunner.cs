using System.Diagnostics;
using System.Text;

namespace Federated.Packaging.Tests;

/// <summary>The outcome of a finished child process.</summary>
/// <param name="ExitCode">Its exit code.</param>
/// <param name="Output">Standard output and standard error, interleaved as they arrived.</param>
internal sealed record ProcessResult(int ExitCode, string Output);

/// <summary>Runs child processes (the SDK, installed tools) with captured output and a bound against hangs.</summary>
internal static class ProcessRunner
{
    /// <summary>Longest any one command may take; a bound against a hang on a busy machine, not a timing.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    /// <summary>The <c>dotnet</c> host the test runs under (<c>dotnet test</c> sets DOTNET_HOST_PATH), else the one on PATH.</summary>
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>Runs <paramref name="file"/> with <paramref name="arguments"/> in <paramref name="workingDirectory"/> to its end.</summary>
    public static async Task<ProcessResult> RunAsync(string file, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Start(file, arguments, workingDirectory, environment, out var output);
        using var bound = new CancellationTokenSource(Bound);
        try
        {
            await process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} did not end within {Bound}:\n{Text(output)}");
        }

        return new ProcessResult(process.ExitCode, Text(output));
    }

    /// <summary>Starts <paramref name="file"/>; every line it writes is appended to <paramref name="output"/> (lock it to read).</summary>
    public static Process Start(string file, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment, out StringBuilder output)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test runner's MSBuild variables would point a child SDK at the runner's own build; the children get a
        // clean SDK, no MSBuild node left behind, no first-run banner and no telemetry.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var lines = new StringBuilder();
        output = lines;
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(lines, e.Data);
        process.ErrorDataReceived += (_, e) => Append(lines, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>What has been captured so far.</summary>
    public static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
