using Federated.Protos.V1;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Federated.Coordinator.Tests;

/// <summary>Bytes that are not a valid message, and frames that lie about their size, sent as raw HTTP/2 requests.</summary>
public sealed class MalformedMessageTests
{
    // Field 1 with wire type 7 (no such type): every parser refuses it.
    private static readonly byte[] InvalidProtobuf = [0x0F, 0xFF, 0xFF, 0xFF];

    [Theory]
    [InlineData("/federated.v1.Federation/Join")]
    [InlineData("/federated.v1.Federation/SubmitUpdate")]
    [InlineData("/federated.v1.Federation/DownloadModel")]
    public async Task NodeCall_MalformedProtobuf_InvalidArgumentAndOneWarningWithoutStackTrace(string path)
    {
        await using var host = await CoordinatorTestHost.StartAsync(configure: builder =>
        {
            builder.Logging.AddFakeLogging();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Information" });
        });
        try
        {
            var token = await host.IssueTokenAsync("n1");
            var before = host.Services.GetFakeLogCollector().GetSnapshot().Count;

            var (code, message, _) = await RawGrpcCall.SendAsync(host, path, token, new ByteArrayContent(RawGrpcCall.Frame(InvalidProtobuf)));

            Assert.Equal(StatusCode.InvalidArgument, code);
            Assert.StartsWith("[malformed-message]", message, StringComparison.Ordinal);
            var records = host.Services.GetFakeLogCollector().GetSnapshot().Skip(before).Where(r => r.Level >= LogLevel.Information).ToList();
            var record = Assert.Single(records);
            Assert.Equal(2007, record.Id.Id);
            Assert.Null(record.Exception);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    // Found by RpcFuzzTests: grpc-dotnet answers these bodies with INTERNAL ("Incomplete message.", "Additional data
    // after the message received."); they are the caller's mistake, so INVALID_ARGUMENT with one warning.
    public static TheoryData<string, string, bool, byte[]> BrokenFraming => new()
    {
        { "/federated.v1.Federation/Join", "empty body", false, [] },
        { "/federated.v1.Operator/GetStatus", "empty body", true, [] },
        { "/federated.v1.Federation/DownloadModel", "empty body", false, [] },
        { "/federated.v1.Federation/Join", "body ends inside a frame header", false, [0, 0, 0] },
        { "/federated.v1.Federation/Join", "body ends inside a message", false, RawGrpcCall.Frame([0x0A, 0x01, 0x61])[..6] },
        { "/federated.v1.Federation/SubmitUpdate", "body ends inside a message", false, RawGrpcCall.Frame([0x0A, 0x01, 0x61])[..6] },
        { "/federated.v1.Federation/Join", "two messages", false, [.. RawGrpcCall.Frame([]), .. RawGrpcCall.Frame([])] },
        { "/federated.v1.Operator/ListRuns", "two messages", true, [.. RawGrpcCall.Frame([]), .. RawGrpcCall.Frame([])] },
        { "/federated.v1.Federation/WaitForAssignment", "a message and trailing bytes", false, [.. RawGrpcCall.Frame([]), 0] },
    };

    [Theory]
    [MemberData(nameof(BrokenFraming))]
    public async Task Call_BrokenFraming_InvalidArgumentAndOneWarningWithoutStackTrace(string path, string problem, bool admin, byte[] body)
    {
        await using var host = await CoordinatorTestHost.StartAsync(configure: builder =>
        {
            builder.Logging.AddFakeLogging();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Information" });
        });
        try
        {
            var token = admin ? CoordinatorTestHost.AdminToken : await host.IssueTokenAsync("n1");
            var before = host.Services.GetFakeLogCollector().GetSnapshot().Count;

            var (code, message, _) = await RawGrpcCall.SendAsync(host, path, token, new ByteArrayContent(body));

            AssertMalformedWithOneWarning(host, before, problem, code, message);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    // Found by RpcFuzzTests: grpc-dotnet answers the first two with INTERNAL and the third with UNKNOWN.
    public static TheoryData<string, string?, byte[]> BrokenCompression => new()
    {
        { "flag 1 without grpc-encoding", null, RawGrpcCall.Frame([0x0A, 0x01, 0x61], flag: 1) },
        { "flag 1 with grpc-encoding identity", "identity", RawGrpcCall.Frame([0x0A, 0x01, 0x61], flag: 1) },
        { "gzip flag with bytes that are not gzip", "gzip", RawGrpcCall.Frame([0x0A, 0x01, 0x61], flag: 1) },
    };

    [Theory]
    [MemberData(nameof(BrokenCompression))]
    public async Task Join_BrokenCompression_InvalidArgumentAndOneWarningWithoutStackTrace(string problem, string? encoding, byte[] body)
    {
        await using var host = await CoordinatorTestHost.StartAsync(configure: builder =>
        {
            builder.Logging.AddFakeLogging();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Information" });
        });
        try
        {
            var token = await host.IssueTokenAsync("n1");
            using var client = RawGrpcCall.CreateClient(host);
            var before = host.Services.GetFakeLogCollector().GetSnapshot().Count;

            var (code, message, _) = await RawGrpcCall.SendAsync(client, "/federated.v1.Federation/Join", token, new ByteArrayContent(body), deadline: null, encoding: encoding);

            AssertMalformedWithOneWarning(host, before, problem, code, message);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Theory]
    [InlineData("/federated.v1.Federation/Join")]
    [InlineData("/federated.v1.Federation/SubmitUpdate")]
    public async Task NodeCall_FrameDeclaring4GiB_ResourceExhausted(string path)
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var token = await host.IssueTokenAsync("n1");

            var (code, message, _) = await RawGrpcCall.SendAsync(host, path, token, new ByteArrayContent(RawGrpcCall.Frame([1, 2, 3], declaredLength: uint.MaxValue)));

            Assert.Equal(StatusCode.ResourceExhausted, code);
            Assert.Contains("4294967295", message, StringComparison.Ordinal);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task SubmitUpdate_MalformedSecondMessage_InvalidArgument()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var run = (await host.StartRunAsync(TestSpecs.RunConfig(minClients: 1))).RunId;
            var node = await host.EnrolAsync("n1");
            await node.JoinAsync(run);
            var header = new UpdateChunk { Header = node.Header(run, 1, 0, 1, 1) };
            var body = RawGrpcCall.Frame(Google.Protobuf.MessageExtensions.ToByteArray(header)).Concat(RawGrpcCall.Frame(InvalidProtobuf)).ToArray();

            var (code, message, _) = await RawGrpcCall.SendAsync(host, "/federated.v1.Federation/SubmitUpdate", node.Token, new ByteArrayContent(body));

            Assert.Equal(StatusCode.InvalidArgument, code);
            Assert.StartsWith("[malformed-message]", message, StringComparison.Ordinal);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task Join_CompressedFlagTwo_InvalidArgument()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var token = await host.IssueTokenAsync("n1");

            var (code, _, _) = await RawGrpcCall.SendAsync(host, "/federated.v1.Federation/Join", token, new ByteArrayContent(RawGrpcCall.Frame([], flag: 2)));

            Assert.Equal(StatusCode.InvalidArgument, code);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    /// <summary>INVALID_ARGUMENT [malformed-message], and exactly one warning logged since <paramref name="before"/> records: event 2007, without an exception.</summary>
    private static void AssertMalformedWithOneWarning(CoordinatorTestHost host, int before, string problem, StatusCode code, string message)
    {
        Assert.True(code == StatusCode.InvalidArgument, $"{problem}: {code} '{message}'");
        Assert.StartsWith("[malformed-message]", message, StringComparison.Ordinal);
        var records = host.Services.GetFakeLogCollector().GetSnapshot().Skip(before).Where(r => r.Level >= LogLevel.Warning).ToList();
        var record = Assert.Single(records);
        Assert.Equal(2007, record.Id.Id);
        Assert.Null(record.Exception);
    }
}
