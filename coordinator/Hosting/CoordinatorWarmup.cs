using Federated.Coordinator.Security;
using Federated.Coordinator.Rounds;

namespace Federated.Coordinator.Hosting;

/// <summary>Creates the engine (restoring stored runs), the admin credential and the refusal tally when the host starts.</summary>
internal sealed class CoordinatorWarmup : IHostedService
{
    private readonly IServiceProvider _services;

    public CoordinatorWarmup(IServiceProvider services) => _services = services;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _services.GetRequiredService<RoundEngine>();
        _services.GetRequiredService<AdminCredential>();

        // Refusals are counted from events as they happen: the tally must listen before the first update arrives.
        _services.GetRequiredService<Operations.RejectionTally>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
