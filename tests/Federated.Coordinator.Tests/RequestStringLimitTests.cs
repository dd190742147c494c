using Federated.Protos.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Federated.Coordinator.Tests;

/// <summary>A 1 MiB request string is refused with a short status, short trailers and a short log.</summary>
public sealed class RequestStringLimitTests
{
    private static readonly string Huge = new('r', 1 << 20);

    public static TheoryData<string> NodeCalls => ["Join", "WaitForAssignment", "DownloadModel", "SubmitEvaluation", "Leave", "SubmitLabelStatistics", "SubmitUpdate"];

    [Theory]
    [MemberData(nameof(NodeCalls))]
    public async Task NodeCall_OneMiBRunId_InvalidArgumentWithShortStatusTrailersAndLog(string call)
    {
        await using var host = await CoordinatorTestHost.StartAsync(configure: builder => builder.Logging.AddFakeLogging());
        try
        {
            await host.StartRunAsync(TestSpecs.RunConfig(minClients: 1));
            var node = await host.EnrolAsync("n1");
            await node.JoinAsync();

            var e = await Assert.ThrowsAsync<RpcException>(() => CallAsync(host, node, call, Huge));

            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.True(e.Status.Detail.Length < 1024, $"status message of {e.Status.Detail.Length} characters");
            Assert.Contains("1048576", e.Status.Detail, StringComparison.Ordinal);
            Assert.True(e.Trailers.Sum(t => t.Key.Length + (t.IsBinary ? t.ValueBytes.Length : t.Value.Length)) < 1024);
            Assert.Equal("field-too-long", e.Trailers.GetValue("federated-rejection"));
            Assert.All(host.Services.GetFakeLogCollector().GetSnapshot(), r => Assert.True(r.Message.Length < 1024, $"log message of {r.Message.Length} characters"));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Theory]
    [InlineData("upload_id")]
    [InlineData("task")]
    [InlineData("name")]
    public async Task SubmitUpdate_OneMiBStringInHeaderOrChunk_InvalidArgumentNamingTheField(string field)
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var run = (await host.StartRunAsync(TestSpecs.RunConfig(minClients: 1))).RunId;
            var node = await host.EnrolAsync("n1");
            await node.JoinAsync(run);
            var header = node.Header(run, 1, 0, 1, 1, uploadId: field == "upload_id" ? Huge : null);
            if (field == "task")
            {
                header.TaskExamples.Add(new TaskExamples { Task = Huge, Count = 1 });
            }

            TensorChunk[] chunks = field == "name" ? [new TensorChunk { Name = Huge }] : [];

            var e = await Assert.ThrowsAsync<RpcException>(() => node.SubmitAsync(header, chunks));

            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.Contains("." + field + " is 1048576 characters", e.Status.Detail, StringComparison.Ordinal);
            Assert.True(e.Status.Detail.Length < 1024);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task PauseRun_OneMiBRunId_InvalidArgumentWithShortStatus()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var e = await Assert.ThrowsAsync<RpcException>(async () => await host.Operator.PauseRunAsync(new RunRequest { RunId = Huge }, CoordinatorTestHost.Admin));

            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.True(e.Status.Detail.Length < 1024);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task Join_RunIdAtTheLimit_PassesTheLimitAndIsNotFound()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var node = await host.EnrolAsync("n1");

            var e = await Assert.ThrowsAsync<RpcException>(() => node.JoinAsync(new string('r', 128)));

            Assert.Equal(StatusCode.NotFound, e.StatusCode);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    private static async Task CallAsync(CoordinatorTestHost host, FakeNode node, string call, string runId)
    {
        var client = host.Federation;
        switch (call)
        {
            case "Join":
                await node.JoinAsync(runId);
                break;
            case "WaitForAssignment":
                await node.PollAsync(runId);
                break;
            case "DownloadModel":
                await node.DownloadAsync(runId, 0);
                break;
            case "SubmitEvaluation":
                await client.SubmitEvaluationAsync(new SubmitEvaluationRequest { RunId = runId }, node.Headers);
                break;
            case "Leave":
                await client.LeaveAsync(new LeaveRequest { RunId = runId }, node.Headers);
                break;
            case "SubmitLabelStatistics":
                await client.SubmitLabelStatisticsAsync(new LabelStatisticsSubmission { RunId = runId, Round = 1 }, node.Headers);
                break;
            default:
                await node.SubmitAsync(node.Header(runId, 1, 0, 1, 1), []);
                break;
        }
    }
}
