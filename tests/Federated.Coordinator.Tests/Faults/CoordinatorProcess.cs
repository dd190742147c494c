using System.Diagnostics;
using System.Text.RegularExpressions;
using Federated.Protos.V1;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Federated.Coordinator.Tests.Faults;

/// <summary>
/// The built coordinator (<c>Federated.Coordinator.dll</c>, copied into the test output) run as a child process with
/// <c>dotnet</c> on a free loopback port, its own SQLite file and a fixed admin token; it can be killed with SIGKILL
/// and started again on the same file. Dispose kills whatever is still running and deletes the file's directory.
/// </summary>
internal sealed partial class CoordinatorProcess : IDisposable
{
    /// <summary>Longest wait for a started process to listen and answer its health check; a bound against a hang, not a timing.</summary>
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(60);

    private readonly Lock _outputGate = new();
    private readonly Queue<string> _output = new();
    private Process? _process;

    public CoordinatorProcess()
    {
        DatabasePath = Path.Combine(Path.GetTempPath(), "federated-tests", Guid.NewGuid().ToString("N"), "coordinator.db");
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
    }

    /// <summary>The SQLite file every incarnation runs on.</summary>
    public string DatabasePath { get; }

    /// <summary>Incarnations started so far.</summary>
    public int Starts { get; private set; }

    /// <summary>Wall time spent starting incarnations (process start to health check answered), for the test's report.</summary>
    public TimeSpan StartTime { get; private set; }

    /// <summary>A channel to the running incarnation; a new one after every start (the port is picked afresh).</summary>
    public GrpcChannel? Channel { get; private set; }

    public Operator.OperatorClient Operator => new(Channel ?? throw new InvalidOperationException("not started"));

    public Federation.FederationClient Federation => new(Channel ?? throw new InvalidOperationException("not started"));

    /// <summary>Starts an incarnation and returns once it listens and its health check answers SERVING.</summary>
    public async Task StartAsync()
    {
        if (_process is not null)
        {
            throw new InvalidOperationException("already running");
        }

        var stopwatch = Stopwatch.StartNew();
        var dll = Path.Combine(AppContext.BaseDirectory, "Federated.Coordinator.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(DatabasePath)!,
        };
        foreach (var argument in new[]
        {
            dll,
            "--urls", "http://127.0.0.1:0",
            "--Coordinator:DatabasePath=" + DatabasePath,
            "--Coordinator:AdminToken=" + CoordinatorTestHost.AdminToken,
            "--Dashboard:Url=",
            "--Coordinator:MaxWaitSeconds=0",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
        })
        {
            start.ArgumentList.Add(argument);
        }

        // The child must not inherit a test runner's environment name (Development adds nothing we want).
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";

        // Started 21 times per test on a shared machine: workstation GC and no tiered PGO instrumentation start faster,
        // and change nothing the test checks.
        start.Environment["DOTNET_gcServer"] = "0";
        start.Environment["DOTNET_TieredPGO"] = "0";
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnOutput(e.Data, listening);
        process.ErrorDataReceived += (_, e) => OnOutput(e.Data, listening);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("the coordinator exited before listening:\n" + Output()));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Starts++;

        var address = await listening.Task.WaitAsync(StartBound);
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = 8 * 1024 * 1024 });
        await WaitUntilServingAsync(Channel);
        StartTime += stopwatch.Elapsed;
    }

    /// <summary>SIGKILL: the process and its children die at once, with no chance to flush or clean up.</summary>
    public void Kill()
    {
        var process = _process ?? throw new InvalidOperationException("not running");
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        process.Dispose();
        _process = null;
        Channel?.Dispose();
        Channel = null;
    }

    /// <summary>The last lines the incarnations wrote, for a failure message.</summary>
    public string Output()
    {
        lock (_outputGate)
        {
            return string.Join('\n', _output);
        }
    }

    public void Dispose()
    {
        if (_process is not null)
        {
            try
            {
                Kill();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }

        Channel?.Dispose();
        CoordinatorTestHost.DeleteDatabase(DatabasePath);
    }

    /// <summary>Retries the health check until it answers: the port is open once Kestrel logged it, but a retry costs nothing.</summary>
    private static async Task WaitUntilServingAsync(GrpcChannel channel)
    {
        var health = new Health.HealthClient(channel);
        using var bound = new CancellationTokenSource(StartBound);
        while (true)
        {
            try
            {
                var reply = await health.CheckAsync(new HealthCheckRequest(), cancellationToken: bound.Token);
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && !bound.IsCancellationRequested)
            {
                // Not accepting yet: ask again.
            }

            await Task.Yield();
        }
    }

    private void OnOutput(string? line, TaskCompletionSource<Uri> listening)
    {
        if (line is null)
        {
            return;
        }

        lock (_outputGate)
        {
            _output.Enqueue(line);
            while (_output.Count > 200)
            {
                _output.Dequeue();
            }
        }

        if (ListeningLine().Match(line) is { Success: true } match)
        {
            listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
