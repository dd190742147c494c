using Federated.Coordinator.Security;
using Federated.Coordinator.Rounds;

namespace Federated.Coordinator.Hosting;

/// <summary>Creates the engine (restoring stored runs) and the admin credential when the host starts.</summary>
internal sealed class CoordinatorWarmup : IHostedService
{
    private readonly IServiceProvider _services;

    public CoordinatorWarmup(IServiceProvider services) => _services = services;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _services.GetRequiredService<RoundEngine>();
        _services.GetRequiredService<AdminCredential>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
