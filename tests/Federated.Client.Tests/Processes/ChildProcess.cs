using System.Diagnostics;

namespace Federated.Client.Tests.Processes;

/// <summary>
/// A built program of the solution (<c>Federated.Coordinator.dll</c>, <c>Federated.Client.dll</c>, both in the test
/// output) run with <c>dotnet</c> as a child process, its output lines collected and awaitable. Dispose kills it.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];
    private readonly Process _process;

    public ChildProcess(string dll, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        // Run with the test project's own runtime config and dependency list: the programs' own ones name packages that the
        // test output takes from the ASP.NET Core shared framework instead of copying them (logging, configuration).
        var tests = Path.Combine(AppContext.BaseDirectory, typeof(ChildProcess).Assembly.GetName().Name!);
        foreach (var argument in new[] { "exec", "--runtimeconfig", tests + ".runtimeconfig.json", "--depsfile", tests + ".deps.json", Path.Combine(AppContext.BaseDirectory, dll) })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Not a test runner's environment; workstation GC and no PGO instrumentation start faster on a shared machine.
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_gcServer"] = "0";
        start.Environment["DOTNET_TieredPGO"] = "0";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Every line written so far, stdout and stderr interleaved.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>The first line (already written or to come) that <paramref name="match"/> accepts.</summary>
    public Task<string> LineAsync(Func<string, bool> match)
    {
        lock (_gate)
        {
            var seen = _lines.FirstOrDefault(match);
            if (seen is not null)
            {
                return Task.FromResult(seen);
            }

            var waiter = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, waiter));
            return waiter.Task;
        }
    }

    /// <summary>The exit code, once the process has ended (and its output is read to the end).</summary>
    public async Task<int> ExitCodeAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the process dies at once, with no chance to flush or clean up.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Seen.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
