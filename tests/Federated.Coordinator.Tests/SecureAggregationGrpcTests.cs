using Federated.Coordinator.Tests.Rounds;
using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Coordinator.Tests;

/// <summary>The secure-aggregation RPCs' refusals over real gRPC: the right status and reason, before anything is kept.</summary>
public sealed class SecureAggregationGrpcTests
{
    [Fact]
    public async Task SecureRpcs_BadRequests_RefusedWithStatusAndReason()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var run = (await host.StartRunAsync(SecureRoundTests.SecureConfig(minClients: 2))).RunId;
            var nodes = new[] { await host.EnrolAsync("a"), await host.EnrolAsync("b") };
            foreach (var node in nodes)
            {
                await node.JoinAsync(run);
            }

            var assignment = (await nodes[0].PollAsync(run)).Assignment;
            Assert.NotNull(assignment.SecureAggregation);
            var setup = assignment.SecureAggregation;
            Assert.Equal(2u, setup.Parties);

            // A plain update of a secure run.
            var plain = await Assert.ThrowsAsync<RpcException>(() => nodes[0].SubmitAsync(nodes[0].Header(run, assignment.Round, 0, 10, 10), []));
            Assert.Equal((StatusCode.FailedPrecondition, "secure-aggregation-mismatch"), (plain.StatusCode, plain.Trailers.GetValue("federated-rejection")));

            // A masked input before its phase, one of the wrong length, and one without its header.
            var early = await Assert.ThrowsAsync<RpcException>(() => SendMaskedAsync(nodes[0], new MaskedInputHeader { RunId = run, Round = assignment.Round, Party = setup.Party, TotalLength = setup.VectorLength }));
            Assert.Equal((StatusCode.InvalidArgument, "secure-aggregation-refused"), (early.StatusCode, early.Trailers.GetValue("federated-rejection")));
            Assert.Contains("not open", early.Status.Detail, StringComparison.Ordinal);
            var headless = await Assert.ThrowsAsync<RpcException>(() => SendMaskedAsync(nodes[0], null));
            Assert.Equal("malformed-upload", headless.Trailers.GetValue("federated-rejection"));

            // A submission without a message, and a poll for a round that has not started.
            var empty = await Assert.ThrowsAsync<RpcException>(() => nodes[0].Client.SubmitSecureAggregationAsync(new SecureAggregationSubmission { RunId = run, Round = assignment.Round, Party = setup.Party }, nodes[0].Headers).ResponseAsync);
            Assert.Equal("secure-aggregation-refused", empty.Trailers.GetValue("federated-rejection"));
            var future = await Assert.ThrowsAsync<RpcException>(() => nodes[0].Client.WaitForSecureAggregationPhaseAsync(new WaitForSecureAggregationPhaseRequest { RunId = run, Round = 99 }, nodes[0].Headers).ResponseAsync);
            Assert.Equal((StatusCode.OutOfRange, "future-round"), (future.StatusCode, future.Trailers.GetValue("federated-rejection")));

            var phase = await nodes[0].Client.WaitForSecureAggregationPhaseAsync(new WaitForSecureAggregationPhaseRequest { RunId = run, Round = assignment.Round }, nodes[0].Headers);
            Assert.Equal(SecureAggregationPhase.NextOneofCase.Wait, phase.NextCase);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    private static async Task SendMaskedAsync(FakeNode node, MaskedInputHeader? header)
    {
        using var call = node.Client.SubmitMaskedInput(node.Headers);
        if (header is not null)
        {
            await call.RequestStream.WriteAsync(new MaskedInputChunk { Header = header });
        }

        var values = new MaskedInput();
        values.Values.Add(7u);
        await call.RequestStream.WriteAsync(new MaskedInputChunk { Values = values });
        await call.RequestStream.CompleteAsync();
        await call.ResponseAsync;
    }
}
