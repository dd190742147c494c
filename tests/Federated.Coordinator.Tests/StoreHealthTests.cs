using Federated.Coordinator.Hosting;
using Federated.Coordinator.Storage;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Federated.Coordinator.Tests;

/// <summary>The health check reads the SQLite store rather than answering Healthy unconditionally.</summary>
public sealed class StoreHealthTests
{
    [Fact]
    public async Task Check_StoreDisposed_NotServing()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var health = new Health.HealthClient(host.Channel);
            var before = await health.CheckAsync(new HealthCheckRequest());

            host.Services.GetRequiredService<SqliteStore>().Dispose();
            var after = await health.CheckAsync(new HealthCheckRequest());

            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, before.Status);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, after.Status);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    [Fact]
    public async Task CheckHealthAsync_OpenThenDisposedStore_HealthyThenFailureStatus()
    {
        var directory = Path.Combine(Path.GetTempPath(), "federated-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var store = new SqliteStore(Path.Combine(directory, "coordinator.db"));
            var check = new StoreHealthCheck(store);
            var context = new HealthCheckContext { Registration = new HealthCheckRegistration("store", check, HealthStatus.Degraded, null) };

            var open = await check.CheckHealthAsync(context);
            store.Dispose();
            var disposed = await check.CheckHealthAsync(context);

            Assert.Equal(HealthStatus.Healthy, open.Status);
            Assert.Equal(HealthStatus.Degraded, disposed.Status);
            Assert.IsType<InvalidOperationException>(disposed.Exception);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(Path.Combine(directory, "coordinator.db"));
        }
    }
}
