using Federated.Coordinator.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Federated.Coordinator.Hosting;

/// <summary>Healthy while the SQLite store answers a one-row read (<see cref="SqliteStore.Probe"/>); otherwise the registration's failure status.</summary>
internal sealed class StoreHealthCheck : IHealthCheck
{
    private readonly SqliteStore _store;

    public StoreHealthCheck(SqliteStore store) => _store = store;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            _store.Probe();
            return Task.FromResult(HealthCheckResult.Healthy("the store answers"));
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, "the store does not answer: " + e.Message, e));
        }
    }
}
