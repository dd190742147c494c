using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Federated.Model.Parameters;
using Federated.Protos;
using Federated.Protos.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Federated.Benchmarks;

/// <summary>
/// The <c>round</c> subcommand: a real coordinator (Kestrel, h2c, a temp SQLite file) in a child process on loopback and
/// N nodes that download the model and upload a precomputed dense update of P parameters each round, training nothing.
/// The run has one more round than measured: the first warms the coordinator's JIT and is not counted. Reports the wall
/// time of each measured round (first assignment to the answer of its last upload, which follows the commit), the
/// coordinator's CPU time per update and peak working set, and, as the reference measured in the same run, the CPU time
/// per update of the same rounds through the engine in memory (<see cref="InMemoryRoundReference"/>). CPU times leave
/// out the JIT's background recompilation (reported apart), which dynamic PGO keeps busy for tens of seconds after start.
/// </summary>
internal static class RoundBenchmark
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command CreateCommand()
    {
        var nodes = new Option<int>("--nodes") { Description = "Nodes N, all selected every round", DefaultValueFactory = _ => 10 };
        var parameters = new Option<int>("--params") { Description = "Shared parameters P of the model", DefaultValueFactory = _ => 200_000 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds R measured, after one warm-up round", DefaultValueFactory = _ => 3 };
        var inFlight = new Option<int?>("--max-uploads-in-flight") { Description = "Coordinator:MaxUploadsInFlight (default: the coordinator's)" };
        var connectionWindow = new Option<int?>("--connection-window") { Description = "Coordinator:Http2InitialConnectionWindowBytes (default: the coordinator's)" };
        var streamWindow = new Option<int?>("--stream-window") { Description = "Coordinator:Http2InitialStreamWindowBytes (default: the coordinator's)" };
        var transportBlock = new Option<int?>("--transport-block") { Description = "Coordinator:TransportBlockBytes, Kestrel's buffer block (default: the coordinator's; 4096 is Kestrel's own)" };
        var chunkBytes = new Option<int>("--chunk-bytes") { Description = "Value bytes per upload chunk the nodes send (≤ 1 MiB)", DefaultValueFactory = _ => TensorBytes.MaxChunkBytes };
        var uploadsOnly = new Option<bool>("--uploads-only") { Description = "Nodes download the model in the warm-up round only, so the coordinator's CPU is that of the uploads (what the in-memory reference does)" };
        var bulk = new Option<bool>("--bulk") { Description = "Nodes upload through the coordinator's bulk port (BeginBulkUpload, BulkUpload:Enabled) instead of SubmitUpdate" };
        var maxWait = new Option<int>("--max-wait-ms") { Description = "The nodes' long-poll wait", DefaultValueFactory = _ => 30_000 };
        var command = new Command("round", "Rounds of N nodes uploading dense P-parameter updates to a real coordinator on loopback, against the engine in memory");
        command.Options.Add(nodes);
        command.Options.Add(parameters);
        command.Options.Add(rounds);
        command.Options.Add(inFlight);
        command.Options.Add(connectionWindow);
        command.Options.Add(streamWindow);
        command.Options.Add(maxWait);
        command.Options.Add(uploadsOnly);
        command.Options.Add(chunkBytes);
        command.Options.Add(transportBlock);
        command.Options.Add(bulk);
        command.SetAction(async (result, _) =>
        {
            var settings = new List<string>();
            Add(settings, "MaxUploadsInFlight", result.GetValue(inFlight));
            Add(settings, "Http2InitialConnectionWindowBytes", result.GetValue(connectionWindow));
            Add(settings, "Http2InitialStreamWindowBytes", result.GetValue(streamWindow));
            Add(settings, "TransportBlockBytes", result.GetValue(transportBlock));
            if (result.GetValue(bulk))
            {
                settings.Add("--BulkUpload:Enabled=true");
            }

            return await RunAsync(result.GetValue(nodes), result.GetValue(parameters), result.GetValue(rounds), result.GetValue(maxWait), settings, result.GetValue(chunkBytes), result.GetValue(uploadsOnly), result.GetValue(bulk));
        });
        return command;
    }

    /// <summary>A run config for N nodes, all selected, with a deadline no round of the benchmark reaches.</summary>
    public static string RunConfig(int nodes, int parameters, int rounds) => $$"""
        {
          "name": "round-benchmark",
          "seed": 7,
          "model": {{BenchmarkModel.Spec(parameters).ToJson()}},
          "rounds": {{rounds}},
          "minClients": {{nodes}},
          "nodesPerRound": {{nodes}},
          "roundDeadlineSeconds": 3600,
          "training": { "localEpochs": 1, "batchSize": 8, "learningRate": 0.1 },
          "strategy": { "name": "fedavg" }
        }
        """;

    private static void Add(List<string> settings, string key, int? value)
    {
        if (value is { } v)
        {
            settings.Add($"--Coordinator:{key}={v}");
        }
    }

    private static async Task<int> RunAsync(int nodeCount, int parameters, int rounds, int maxWaitMs, List<string> settings, int chunkBytes, bool uploadsOnly, bool bulk)
    {
        const long Examples = 10;
        var config = RunConfig(nodeCount, parameters, rounds + 1);
        var layout = CompiledModel.Compile(BenchmarkModel.Spec(parameters)).SharedLayout;
        var delta = BenchmarkModel.DenseDelta(layout, 1);

        // The reference first, while the machine is otherwise quiet.
        var reference = InMemoryRoundReference.Measure(config, nodeCount, rounds, delta, Examples);

        var chunks = layout.Tensors.SelectMany(t => TensorChunker.Dense(t.Name, delta[t.Name], 0, t.Length, chunkBytes)).ToList();
        var dense = bulk ? layout.Tensors.Select(t => (t.Name, delta[t.Name])).ToList() : null;
        var directory = Directory.CreateTempSubdirectory("federated-round-benchmark-");
        try
        {
            using var coordinator = RoundBenchmarkCoordinator.Start(directory.FullName, settings);
            using var channel = GrpcChannel.ForAddress(coordinator.Address);
            var admin = new Operator.OperatorClient(channel);
            var adminHeaders = new Metadata { { "authorization", "Bearer " + RoundBenchmarkCoordinator.AdminToken } };
            await WaitUntilUpAsync(admin, adminHeaders);
            var run = (await admin.StartRunAsync(new StartRunRequest { ConfigJson = config }, adminHeaders)).RunId;
            var nodes = new List<RoundBenchmarkNode>();
            for (var i = 0; i < nodeCount; i++)
            {
                var id = $"node-{i:D4}";
                var token = (await admin.IssueTokenAsync(new IssueTokenRequest { NodeId = id }, adminHeaders)).Token;
                nodes.Add(new RoundBenchmarkNode(coordinator.Address, id, token));
            }

            // Measured from the answer of the warm-up round's last upload (its commit) to the end of the run.
            var clock = Stopwatch.StartNew();
            var warmUpAnswers = 0;
            var cpuBefore = (Work: TimeSpan.Zero, Jit: TimeSpan.Zero);
            var measuredFrom = TimeSpan.Zero;
            var nodesCpuBefore = TimeSpan.Zero;
            void Answered(long round)
            {
                if (round == 1 && Interlocked.Increment(ref warmUpAnswers) == nodeCount)
                {
                    cpuBefore = coordinator.CpuTime;
                    nodesCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                    measuredFrom = clock.Elapsed;
                }
            }

            await Task.WhenAll(nodes.Select(n => n.JoinAsync(run)));
            await Task.WhenAll(nodes.Select(n => Task.Run(() => n.RunAsync(run, chunks, Examples, maxWaitMs, clock, Answered, uploadsOnly, dense))));
            var wall = clock.Elapsed - measuredFrom;
            var nodesCpu = Process.GetCurrentProcess().TotalProcessorTime - nodesCpuBefore;
            var cpuAfter = coordinator.CpuTime;
            var cpu = cpuAfter.Work - cpuBefore.Work;
            var jit = cpuAfter.Jit - cpuBefore.Jit;
            var peak = coordinator.PeakWorkingSet;
            var roundSeconds = Enumerable.Range(2, rounds)
                .Select(r => (nodes.Max(n => n.Rounds[r].Answered) - nodes.Min(n => n.Rounds[r].Assigned)).TotalSeconds)
                .ToArray();
            foreach (var node in nodes)
            {
                node.Dispose();
            }

            var updates = (double)nodeCount * rounds;
            var cpuPerUpdate = cpu.TotalMilliseconds / updates;
            var warmUp = nodes.Max(n => n.Rounds[1].Answered) - nodes.Min(n => n.Rounds[1].Assigned);
            var line = new Dictionary<string, object>
            {
                ["benchmark"] = "round",
                ["nodes"] = nodeCount,
                ["chunk_bytes"] = chunkBytes,
                ["uploads_only"] = uploadsOnly,
                ["bulk"] = bulk,
                ["params"] = layout.TotalLength,
                ["rounds"] = rounds,
                ["settings"] = string.Join(' ', settings),
                ["round_seconds"] = roundSeconds.Select(s => Math.Round(s, 3)).ToArray(),
                ["round_seconds_median"] = Math.Round(roundSeconds.Order().ElementAt(rounds / 2), 3),
                ["warm_up_round_seconds"] = Math.Round(warmUp.TotalSeconds, 3),
                ["wall_seconds"] = Math.Round(wall.TotalSeconds, 3),
                ["coordinator_cpu_ms_per_update"] = Math.Round(cpuPerUpdate, 2),
                ["coordinator_jit_cpu_ms_per_update"] = Math.Round(jit.TotalMilliseconds / updates, 2),
                ["in_memory_cpu_ms_per_update"] = Math.Round(reference.TotalMilliseconds, 2),
                ["ratio_to_in_memory"] = Math.Round(cpuPerUpdate / reference.TotalMilliseconds, 2),
                // The benchmark process's CPU over the same rounds: the N nodes' gRPC work (downloads, uploads, polls), which
                // competes with the coordinator for the same cores on loopback.
                ["nodes_cpu_ms_per_update"] = Math.Round(nodesCpu.TotalMilliseconds / updates, 2),
                ["coordinator_peak_working_set_mb"] = Math.Round(peak / 1048576.0, 1),
                ["model_mb"] = Math.Round(layout.TotalLength * 4 / 1048576.0, 2),
            };
            Console.WriteLine(JsonSerializer.Serialize(line, JsonOptions));
            return 0;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task WaitUntilUpAsync(Operator.OperatorClient admin, Metadata headers)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await admin.GetStatusAsync(new GetStatusRequest(), headers);
                return;
            }
            catch (RpcException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(100);
            }
        }
    }
}
