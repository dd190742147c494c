using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Federated.Coordinator.Tests.Faults;

/// <summary>
/// A bounded, seeded fuzz of every method of both services, found on the generated service descriptors (a new RPC is
/// fuzzed without editing this test): random messages of the method's request type and mutated valid requests, sent
/// as raw gRPC frames, as the right caller (a joined node, the operator), as the other caller, and unauthenticated.
/// </summary>
/// <remarks>
/// Required: no UNKNOWN or INTERNAL status, every call answered with a gRPC status (a server-streaming call, which may
/// stream forever, is ended by a 20 ms gRPC deadline), no log record with an exception or at Error, the host answering
/// normal calls afterwards, and managed memory after a forced collection growing by less than
/// <see cref="MemoryBoundBytes"/> over the calls after a first warm-up pass.
/// </remarks>
[Collection(WholeProcessMeasurements.Name)]
public sealed class RpcFuzzTests(ITestOutputHelper output)
{
    private const int Passes = 6;
    private const int CallsPerMethodPerPass = 24;
    private const long MemoryBoundBytes = 32L * 1024 * 1024;
    private const string NodeId = "fuzz-node";

    private static readonly string[] Encodings = ["gzip", "deflate", "identity", "snappy"];

    private static readonly TimeSpan StreamDeadline = TimeSpan.FromMilliseconds(20);

    /// <summary>A bound on a unary or client-streaming call: reaching it means a hang, and fails the test.</summary>
    private static readonly TimeSpan CallBound = TimeSpan.FromSeconds(30);

    private static readonly ParameterLayout Layout = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.SmallModel));

    [Theory]
    [InlineData(20261202)]
    public async Task EveryRpc_SeededRandomAndMutatedMessages_NoUnknownOrInternalNoStackTraceBoundedMemory(int seed)
    {
        await using var host = await CoordinatorTestHost.StartAsync(configure: builder =>
        {
            builder.Logging.ClearProviders().AddFakeLogging();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Information" });
        });
        try
        {
            var run = (await host.StartRunAsync(TestSpecs.RunConfig(rounds: 1000, minClients: 1))).RunId;
            var victim = (await host.StartRunAsync(TestSpecs.RunConfig(minClients: 1))).RunId;
            var known = new List<string> { run, victim, "run-999", NodeId, "other-node", "click", "rating", "u-1", TestSpecs.RunConfig(), TestSpecs.SmallModel };
            known.AddRange(Layout.Tensors.Select(t => t.Name));
            var fuzzer = new MessageFuzzer(seed, known);
            var methods = new[] { Federation.Descriptor, Operator.Descriptor }.SelectMany(s => s.Methods).ToList();
            using var client = RawGrpcCall.CreateClient(host);
            var logs = host.Services.GetFakeLogCollector();
            var failures = new List<string>();
            var codes = new SortedDictionary<string, int>(StringComparer.Ordinal);
            long baseline = 0;
            var calls = 0;

            for (var pass = 0; pass < Passes; pass++)
            {
                // The fuzzed operator calls may have revoked or replaced the node's token: each pass starts from a good one.
                var node = await host.EnrolAsync(NodeId);
                await node.JoinAsync(run);
                foreach (var method in methods)
                {
                    for (var i = 0; i < CallsPerMethodPerPass; i++)
                    {
                        var (mode, token) = Caller(fuzzer.Random, method, node.Token);
                        var payloads = mode == "mutated"
                            ? Mutated(fuzzer, await ValidRequestAsync(method, node, run, victim))
                            : RandomRequest(fuzzer, method, mode == "random" ? await ValidRequestAsync(method, node, run, victim) : null);
                        string? encoding = null;
                        if (fuzzer.Random.Next(10) == 0)
                        {
                            // A grpc-encoding, known or not, with messages compressed by it or merely flagged compressed.
                            encoding = Encodings[fuzzer.Random.Next(Encodings.Length)];
                            payloads = fuzzer.Random.Next(3) == 0 ? payloads : [.. payloads.Select(p => MessageFuzzer.Compress(p, encoding))];
                        }

                        var body = fuzzer.Frames(payloads, mutateFraming: fuzzer.Random.Next(8) == 0, compressedFlag: encoding is not null && fuzzer.Random.Next(4) != 0);
                        var path = $"/{method.Service.FullName}/{method.Name}";
                        var outcome = await CallAsync(client, path, token, body, method.IsServerStreaming, encoding);
                        calls++;
                        var key = $"{method.Service.Name}.{method.Name} {outcome.Code}";
                        codes[key] = codes.GetValueOrDefault(key) + 1;
                        if (outcome.Code is StatusCode.Unknown or StatusCode.Internal || (outcome.Code == StatusCode.DeadlineExceeded && !method.IsServerStreaming))
                        {
                            failures.Add($"{path} as {mode}: {outcome.Code} '{outcome.Message}' for {Convert.ToHexString(body.AsSpan(0, Math.Min(body.Length, 64)))}");
                        }
                    }
                }

                // Log records are checked and dropped after every pass: the collector would otherwise count as growth.
                failures.AddRange(logs.GetSnapshot().Where(r => r.Exception is not null || r.Level >= LogLevel.Error)
                    .Select(r => $"log {r.Level} {r.Category}[{r.Id.Id}]: {r.Message} {r.Exception?.GetType().Name}"));
                logs.Clear();
                if (pass == 0)
                {
                    baseline = GC.GetTotalMemory(forceFullCollection: true);
                }
            }

            var growth = GC.GetTotalMemory(forceFullCollection: true) - baseline;
            output.WriteLine($"{calls} calls; managed memory after the warm-up pass {baseline / 1048576.0:F1} MiB, growth {growth / 1048576.0:F1} MiB over {Passes - 1} passes");
            foreach (var (key, count) in codes)
            {
                output.WriteLine($"{count,6} {key}");
            }

            Assert.True(failures.Count == 0, $"{failures.Count} failures, the first 30:\n{string.Join('\n', failures.Take(30))}");
            Assert.InRange(growth, long.MinValue, MemoryBoundBytes);
            await AssertAnswersNormalCallsAsync(host);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    /// <summary>Who calls: mostly the method's own caller (random or mutated requests), sometimes the other one, or nobody.</summary>
    private static (string Mode, string? Token) Caller(Random random, MethodDescriptor method, string nodeToken)
    {
        var own = method.Service.Name == Federation.Descriptor.Name ? nodeToken : CoordinatorTestHost.AdminToken;
        var other = own == nodeToken ? CoordinatorTestHost.AdminToken : nodeToken;
        return random.Next(20) switch
        {
            < 11 => ("random", own),
            < 18 => ("mutated", own),
            18 => (random.Next(2) == 0 ? "other-caller" : "garbage-token", random.Next(2) == 0 ? other : "fnt_" + random.Next()),
            _ => ("unauthenticated", null),
        };
    }

    /// <summary>Random request messages; a client stream sometimes starts with a valid first message to get past the header checks.</summary>
    private static List<byte[]> RandomRequest(MessageFuzzer fuzzer, MethodDescriptor method, List<byte[]>? valid)
    {
        var payloads = new List<byte[]>();
        var count = method.IsClientStreaming ? 1 + fuzzer.Random.Next(6) : 1;
        for (var i = 0; i < count; i++)
        {
            payloads.Add(i == 0 && method.IsClientStreaming && valid is { Count: > 0 } && fuzzer.Random.Next(2) == 0
                ? valid[0]
                : fuzzer.Message(method.InputType).ToByteArray());
        }

        return payloads;
    }

    /// <summary>A valid request with one or two of its messages mutated.</summary>
    private static List<byte[]> Mutated(MessageFuzzer fuzzer, List<byte[]> valid)
    {
        var payloads = valid.ToList();
        for (var m = 1 + fuzzer.Random.Next(2); m > 0; m--)
        {
            var at = fuzzer.Random.Next(payloads.Count);
            payloads[at] = fuzzer.Mutate(payloads[at]);
        }

        return payloads;
    }

    /// <summary>
    /// A request each known method accepts in the state the fuzz has left (the node's current assignment is asked for);
    /// for a method this test does not know, a random message, so that a new RPC is fuzzed all the same.
    /// </summary>
    private static async Task<List<byte[]>> ValidRequestAsync(MethodDescriptor method, FakeNode node, string run, string victim)
    {
        IMessage[] messages = method.Name switch
        {
            "Join" or "Leave" when method.Service.Name == "Federation" => [new JoinRequest { RunId = run }],
            "WaitForAssignment" => [new WaitForAssignmentRequest { RunId = run }],
            "DownloadModel" or "ExportModel" => [new DownloadModelRequest { RunId = run }],
            "SubmitUpdate" => await UpdateAsync(node, run),
            "SubmitEvaluation" => [RunMembershipGrpcTests.Evaluation(run)],
            "StartRun" => [new StartRunRequest { ConfigJson = TestSpecs.RunConfig(minClients: 1) }],
            "PauseRun" or "ResumeRun" or "StopRun" => [new RunRequest { RunId = victim }],
            "ListRounds" or "GetMetrics" or "ListVersions" or "WatchRounds" => [new RunRequest { RunId = run }],
            "IssueToken" or "RevokeToken" => [new IssueTokenRequest { NodeId = "other-node" }],
            "KeepVersion" => [new KeepVersionRequest { RunId = run, ModelVersion = 0, Keep = true }],
            _ => [method.InputType.Parser.ParseFrom(ReadOnlySpan<byte>.Empty)],
        };

        // Messages of another type with the same field numbers and types serialise to the same bytes (RunRequest and
        // JoinRequest: string run_id = 1), so one message serves several methods.
        return [.. messages.Select(m => m.ToByteArray())];
    }

    /// <summary>The node's update for its current assignment (or for round 1 when it has none): a header and every shared tensor dense.</summary>
    private static async Task<IMessage[]> UpdateAsync(FakeNode node, string run)
    {
        Assignment? assignment = null;
        try
        {
            assignment = (await node.PollAsync(run)).Assignment;
        }
        catch (RpcException)
        {
            // The fuzz revoked the node, stopped the run, ...: an update for round 1 will do.
        }

        var round = assignment?.Round ?? 1;
        var header = node.Header(run, round, assignment?.ModelVersion ?? 0, 10, 10, $"u-{round}");
        var delta = RoundTests.MakeDelta(0, 0.01f);
        return [new UpdateChunk { Header = header }, .. FakeNode.DenseChunks(Layout, delta).Select(c => new UpdateChunk { Tensor = c })];
    }

    private static async Task<(StatusCode Code, string Message)> CallAsync(HttpClient client, string path, string? token, byte[] body, bool serverStreaming, string? encoding)
    {
        using var bound = new CancellationTokenSource(CallBound);
        try
        {
            var (code, message, _) = await RawGrpcCall.SendAsync(client, path, token, new ByteArrayContent(body), serverStreaming ? StreamDeadline : null, encoding, bound.Token);
            return (code, message);
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
            return (StatusCode.DeadlineExceeded, $"no answer within {CallBound.TotalSeconds} s");
        }
        catch (Exception e) when (e is Microsoft.AspNetCore.TestHost.HttpResetTestException or IOException or HttpRequestException)
        {
            // grpc-dotnet resets a stream whose deadline passes, before its response started or in the middle of it: a
            // client sees its deadline. A unary or client-streaming call (no deadline sent) reset instead of answered
            // leaves a client with no status it can act on.
            return serverStreaming ? (StatusCode.DeadlineExceeded, "reset at the deadline") : (StatusCode.Unknown, "reset: " + e.Message);
        }
        catch (InvalidOperationException e)
        {
            // No grpc-status at all: as bad as UNKNOWN for a client.
            return (StatusCode.Unknown, "no gRPC status: " + e.Message);
        }
    }

    /// <summary>After the fuzz: the health check, an operator call, and a new node joining a new run and getting its assignment.</summary>
    private static async Task AssertAnswersNormalCallsAsync(CoordinatorTestHost host)
    {
        var health = await new Health.HealthClient(host.Channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        Assert.True((await host.Operator.GetStatusAsync(new GetStatusRequest(), CoordinatorTestHost.Admin)).NodesEnrolled >= 1);
        var run = (await host.StartRunAsync(TestSpecs.RunConfig(minClients: 1))).RunId;
        var node = await host.EnrolAsync("after-fuzz");
        Assert.Equal(run, (await node.JoinAsync(run)).RunId);
        var poll = await node.PollAsync(run);
        Assert.Equal((WaitForAssignmentReply.Types.Status.Assigned, 0L), (poll.Status, poll.Assignment.ModelVersion));
    }
}
