using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos;
using Federated.Protos.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace Federated.Coordinator.Tests;

/// <summary>An upload is bounded in chunks, bytes and time, and may not repeat empty chunks.</summary>
public sealed class UploadLimitTests
{
    [Fact]
    public async Task SubmitUpdate_RepeatedEmptyChunks_InvalidArgument()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var (run, node, tensor) = await JoinAsync(host);

            var e = await Assert.ThrowsAsync<RpcException>(() => node.SubmitAsync(node.Header(run, 1, 0, 1, 1), Enumerable.Range(0, 1000).Select(_ => new TensorChunk { Name = tensor })));

            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.Equal("malformed-upload", e.Trailers.GetValue("federated-rejection"));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task SubmitUpdate_MoreChunksThanMaxUploadChunks_ResourceExhausted()
    {
        await using var host = await CoordinatorTestHost.StartAsync(configure: Configure("MaxUploadChunks", "3"));
        try
        {
            var (run, node, tensor) = await JoinAsync(host);
            var values = new float[4];
            var chunks = Enumerable.Range(0, 4).Select(i => new TensorChunk { Name = tensor, Offset = i, Values = TensorBytes.Wrap(values, i, 1) });

            var e = await Assert.ThrowsAsync<RpcException>(() => node.SubmitAsync(node.Header(run, 1, 0, 1, 1), chunks));

            Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
            Assert.Contains("at most 3 chunks", e.Status.Detail, StringComparison.Ordinal);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task SubmitUpdate_MoreBytesThanTheModelAllows_ResourceExhausted()
    {
        await using var host = await CoordinatorTestHost.StartAsync(configure: Configure("MaxUploadModelMultiple", "1"));
        try
        {
            var (run, node, tensor) = await JoinAsync(host);
            var shared = host.Engine.GetLayout(run).ScopeLength(ParameterScope.Shared);
            var allowed = (shared * sizeof(float)) + (1 << 20);
            var values = new float[(allowed / sizeof(float)) + 1];

            var e = await Assert.ThrowsAsync<RpcException>(() => node.SubmitAsync(node.Header(run, 1, 0, 1, 1), [new TensorChunk { Name = tensor, Values = TensorBytes.Wrap(values, 0, values.Length) }]));

            Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
            Assert.Contains($"at most {allowed} bytes", e.Status.Detail, StringComparison.Ordinal);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task SubmitUpdate_SenderStallsBeyondMaxUploadSeconds_ResourceExhausted()
    {
        var time = new TimerSignallingTimeProvider(TimeSpan.FromSeconds(60));
        await using var host = await CoordinatorTestHost.StartAsync(time: time, configure: Configure("MaxUploadSeconds", "60"));
        try
        {
            var (run, node, _) = await JoinAsync(host);
            using var call = host.Federation.SubmitUpdate(node.Headers);
            await call.RequestStream.WriteAsync(new UpdateChunk { Header = node.Header(run, 1, 0, 1, 1) });

            // The upload's timer exists once the header was read; the sender then stalls past the limit.
            await time.TimerCreated.Task.WaitAsync(TimeSpan.FromSeconds(30));
            time.Advance(TimeSpan.FromSeconds(61));
            var e = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseAsync);

            Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
            Assert.Contains("at most 60 s", e.Status.Detail, StringComparison.Ordinal);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    private static Action<WebApplicationBuilder> Configure(string key, string value) =>
        builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Coordinator:" + key] = value });

    private static async Task<(string Run, FakeNode Node, string Tensor)> JoinAsync(CoordinatorTestHost host)
    {
        var run = (await host.StartRunAsync(TestSpecs.RunConfig(minClients: 1))).RunId;
        var node = await host.EnrolAsync("n1");
        await node.JoinAsync(run);
        var tensor = host.Engine.GetLayout(run).InScope(ParameterScope.Shared).First(t => t.Kind != TensorKind.Embedding && t.Length >= 4).Name;
        return (run, node, tensor);
    }

    /// <summary>A fake clock that signals when a timer with the given due time is created.</summary>
    private sealed class TimerSignallingTimeProvider(TimeSpan dueTime) : FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
        public TaskCompletionSource TimerCreated { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan due, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, due, period);
            if (due == dueTime)
            {
                TimerCreated.TrySetResult();
            }

            return timer;
        }
    }
}
