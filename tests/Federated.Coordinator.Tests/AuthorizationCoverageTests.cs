using Federated.Protos.V1;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Federated.Coordinator.Tests;

/// <summary>
/// Every method of both services, enumerated from the generated descriptors (so a new RPC is checked too), refuses a
/// call without the right token with a real gRPC status whose message names the problem.
/// </summary>
public sealed class AuthorizationCoverageTests
{
    private const string MissingNodeToken = "missing bearer token: send 'authorization: Bearer <node token>'";
    private const string MissingAdminToken = "missing bearer token: send 'authorization: Bearer <admin token>'";

    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    public static TheoryData<string, string> Methods
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var service in new[] { Federation.Descriptor, Operator.Descriptor })
            {
                foreach (var method in service.Methods)
                {
                    data.Add(service.Name, method.Name);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task EveryMethod_NoToken_UnauthenticatedNamingTheHeader(string service, string method)
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var e = await CallAsync(host, service, method, new Metadata());

            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
            Assert.Equal(IsOperator(service) ? MissingAdminToken : MissingNodeToken, e.Status.Detail);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task EveryMethod_UnknownToken_Unauthenticated(string service, string method)
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            await host.IssueTokenAsync("n1");

            var e = await CallAsync(host, service, method, CoordinatorTestHost.Bearer("fnt_nobody-has-this-token"));

            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
            Assert.Equal(IsOperator(service) ? "wrong admin token" : "unknown node token", e.Status.Detail);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task EveryMethod_OtherCallersToken_PermissionDenied(string service, string method)
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var other = IsOperator(service) ? CoordinatorTestHost.Bearer(await host.IssueTokenAsync("n1")) : CoordinatorTestHost.Admin;

            var e = await CallAsync(host, service, method, other);

            Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
            Assert.Contains(IsOperator(service) ? "node 'n1' may not call the operator API" : "the admin token may not call the node API", e.Status.Detail, StringComparison.Ordinal);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task EveryMethod_RevokedNodeToken_Refused(string service, string method)
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var token = await host.IssueTokenAsync("n1");
            await host.Operator.RevokeTokenAsync(new RevokeTokenRequest { NodeId = "n1" }, CoordinatorTestHost.Admin);

            var e = await CallAsync(host, service, method, CoordinatorTestHost.Bearer(token));

            Assert.Equal(IsOperator(service) ? StatusCode.Unauthenticated : StatusCode.PermissionDenied, e.StatusCode);
            Assert.Equal(IsOperator(service) ? "wrong admin token" : "the token of node 'n1' was revoked", e.Status.Detail);
            Assert.Equal(IsOperator(service) ? null : "node-revoked", e.Trailers.GetValue("federated-rejection"));
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task Join_NoToken_LoggedAsRefusedNodeCall()
    {
        await using var host = await CoordinatorTestHost.StartAsync(configure: builder => builder.Logging.AddFakeLogging());
        try
        {
            await CallAsync(host, Federation.Descriptor.Name, "Join", new Metadata());

            var record = Assert.Single(host.Services.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 2000);
            Assert.Equal(LogLevel.Warning, record.Level);
            Assert.Equal($"Node call /federated.v1.Federation/Join refused: {MissingNodeToken}", record.Message);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task GetStatus_WrongAdminToken_LoggedAsRefusedOperatorCall()
    {
        await using var host = await CoordinatorTestHost.StartAsync(configure: builder => builder.Logging.AddFakeLogging());
        try
        {
            await CallAsync(host, Operator.Descriptor.Name, "GetStatus", CoordinatorTestHost.Bearer("wrong-admin-token-000000"));

            var record = Assert.Single(host.Services.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 2001);
            Assert.Equal("Operator call /federated.v1.Operator/GetStatus refused: wrong admin token", record.Message);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    private static bool IsOperator(string service) => service == Operator.Descriptor.Name;

    /// <summary>Calls a method with an empty request (its kind taken from the descriptor) and returns the refusal.</summary>
    private static async Task<RpcException> CallAsync(CoordinatorTestHost host, string service, string name, Metadata headers)
    {
        var descriptor = (IsOperator(service) ? Operator.Descriptor : Federation.Descriptor).FindMethodByName(name);
        var kind = Kind(descriptor);
        var method = new Method<byte[], byte[]>(kind, descriptor.Service.FullName, descriptor.Name, Bytes, Bytes);
        var invoker = host.Channel.CreateCallInvoker();

        // The deadline only ends the test if a method let the call through and waits for a request stream.
        var options = new CallOptions(headers, DateTime.UtcNow.AddSeconds(30));
        return await Assert.ThrowsAsync<RpcException>(async () =>
        {
            switch (kind)
            {
                case MethodType.Unary:
                    await invoker.AsyncUnaryCall(method, null, options, []);
                    break;
                case MethodType.ClientStreaming:
                    using (var call = invoker.AsyncClientStreamingCall(method, null, options))
                    {
                        await call.ResponseAsync;
                    }

                    break;
                case MethodType.ServerStreaming:
                    using (var call = invoker.AsyncServerStreamingCall(method, null, options, []))
                    {
                        await call.ResponseStream.MoveNext(CancellationToken.None);
                    }

                    break;
                default:
                    using (var call = invoker.AsyncDuplexStreamingCall(method, null, options))
                    {
                        await call.ResponseStream.MoveNext(CancellationToken.None);
                    }

                    break;
            }
        });
    }

    private static MethodType Kind(MethodDescriptor method) => (method.IsClientStreaming, method.IsServerStreaming) switch
    {
        (false, false) => MethodType.Unary,
        (true, false) => MethodType.ClientStreaming,
        (false, true) => MethodType.ServerStreaming,
        _ => MethodType.DuplexStreaming,
    };
}
