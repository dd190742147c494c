using Grpc.Core;
using Grpc.Reflection.V1Alpha;

namespace Federated.Coordinator.Tests;

public sealed class ReflectionTests
{
    [Fact]
    public async Task ServerReflection_ListServices_NamesBothServices()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var client = new ServerReflection.ServerReflectionClient(host.Channel);
            using var call = client.ServerReflectionInfo();
            await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
            await call.RequestStream.CompleteAsync();
            Assert.True(await call.ResponseStream.MoveNext());

            var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();

            Assert.Contains("federated.v1.Federation", names);
            Assert.Contains("federated.v1.Operator", names);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }
}
