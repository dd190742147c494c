using Microsoft.Extensions.Hosting;
using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Federated.Coordinator.Hosting;

namespace Federated.Benchmarks;

/// <summary>
/// The coordinator of the <c>round</c> benchmark, in a child process of its own so that its CPU time and peak working
/// set are its alone: this harness started again with the hidden <c>round-coordinator</c> subcommand, which runs
/// <see cref="CoordinatorHost"/> exactly as the coordinator's Program does, with server GC as the coordinator's
/// runtimeconfig has it.
/// </summary>
internal sealed class RoundBenchmarkCoordinator : IDisposable
{
    public const string AdminToken = "benchmark-admin-token-0123456789";

    private readonly Process _process;

    private RoundBenchmarkCoordinator(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>CPU time the coordinator process has used so far, outside and inside the JIT's background compilation.</summary>
    public (TimeSpan Work, TimeSpan Jit) CpuTime => ThreadCpu.Read(_process);

    /// <summary>The coordinator process's peak resident set so far, in bytes.</summary>
    public long PeakWorkingSet
    {
        get
        {
            _process.Refresh();
            return _process.PeakWorkingSet64;
        }
    }

    /// <summary>The hidden subcommand the child runs: everything after it is the coordinator's own arguments.</summary>
    public static Command CreateCommand()
    {
        var arguments = new Argument<string[]>("coordinator-args") { Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("round-coordinator", "Runs a coordinator (used by the round benchmark)") { Hidden = true };
        command.Arguments.Add(arguments);
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, cancellation) =>
        {
            var app = CoordinatorHost.Build([.. result.GetValue(arguments) ?? [], .. result.UnmatchedTokens]);
            await app.StartAsync(cancellation);
            await app.WaitForShutdownAsync(cancellation);
            return 0;
        });
        return command;
    }

    /// <summary>Starts the coordinator on a free loopback port with a new SQLite file under <paramref name="directory"/>.</summary>
    public static RoundBenchmarkCoordinator Start(string directory, IEnumerable<string> settings)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var address = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        start.ArgumentList.Add("round-coordinator");
        foreach (var argument in (string[])[
            "--urls", address.ToString(),
            $"--Coordinator:DatabasePath={Path.Combine(directory, "coordinator.db")}",
            $"--Coordinator:AdminToken={AdminToken}",
            "--Dashboard:Url=",
            "--Logging:LogLevel:Default=Warning",
            .. settings])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_gcServer"] = "1";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine("coordinator: " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new RoundBenchmarkCoordinator(process, address);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
