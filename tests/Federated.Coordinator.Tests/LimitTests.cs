using Federated.Protos;
using Federated.Protos.V1;
using Grpc.Core;
using Grpc.Health.V1;

namespace Federated.Coordinator.Tests;

public sealed class LimitTests
{
    [Fact]
    public async Task SubmitUpdate_GzipMessageAboveLimitOnceDecompressed_ResourceExhausted()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var run = (await host.StartRunAsync(TestSpecs.RunConfig(minClients: 1))).RunId;
            var node = await host.EnrolAsync("n1");
            await node.JoinAsync(run);
            var headers = node.Headers;
            headers.Add("grpc-internal-encoding-request", "gzip");

            // 5 MiB of zeros compresses to a few KiB but exceeds the 4 MiB limit once decompressed.
            using var call = host.Federation.SubmitUpdate(headers);
            var e = await Assert.ThrowsAnyAsync<RpcException>(async () =>
            {
                await call.RequestStream.WriteAsync(new UpdateChunk { Header = node.Header(run, 1, 0, 1, 1) });
                await call.RequestStream.WriteAsync(new UpdateChunk { Tensor = new TensorChunk { Name = "emb/item", Values = TensorBytes.Wrap(new float[5 * 1024 * 1024 / 4], 0, 5 * 1024 * 1024 / 4) } });
                await call.RequestStream.CompleteAsync();
                await call;
            });

            Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task HealthCheck_Started_Serving()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var health = new Health.HealthClient(host.Channel);

            var reply = await health.CheckAsync(new HealthCheckRequest());

            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task ExportModel_SpecWithLocalTensors_CarriesSpecAndOnlySharedTensors()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var run = (await host.StartRunAsync(TestSpecs.RunConfig())).RunId;
            using var call = host.Operator.ExportModel(new ExportModelRequest { RunId = run, ModelVersion = 0 }, CoordinatorTestHost.Admin);
            var chunks = new List<ModelChunk>();
            await foreach (var chunk in call.ResponseStream.ReadAllAsync())
            {
                chunks.Add(chunk);
            }

            var header = chunks[0].Header;
            Assert.Contains("\"click\"", header.ModelSpecJson, StringComparison.Ordinal);
            var layout = Model.Parameters.ParameterLayout.FromSpec(Model.Spec.ModelSpec.FromJson(header.ModelSpecJson));
            Assert.Contains(layout.Tensors, t => t.Scope == Model.Spec.ParameterScope.Local);
            Assert.Equal(layout.InScope(Model.Spec.ParameterScope.Shared).Select(t => t.Name), header.Tensors.Select(t => t.Name));
            Assert.DoesNotContain(header.Tensors, t => t.Name == "emb/user");
            Assert.Equal(layout.Fingerprint, header.LayoutFingerprint);
            Assert.Equal(header.Tensors.Sum(t => (long)t.Rows * t.Columns * 4), chunks.Skip(1).Sum(c => (long)c.Tensor.Values.Length));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }
}
