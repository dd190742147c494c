using Federated.Coordinator.Rounds;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Hosting;

/// <summary>Restores stored runs at start, then ticks the engine so deadlines close rounds without any call arriving.</summary>
internal sealed class RoundTicker : BackgroundService
{
    private readonly RoundEngine _engine;
    private readonly TimeProvider _time;
    private readonly CoordinatorOptions _options;
    private readonly ILogger<RoundTicker> _logger;

    public RoundTicker(RoundEngine engine, TimeProvider time, IOptions<CoordinatorOptions> options, ILogger<RoundTicker> logger)
    {
        _engine = engine;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.TickIntervalSeconds <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.TickIntervalSeconds), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    _engine.Tick();
                }
#pragma warning disable CA1031 // One failed tick (e.g. a locked database) must not end the ticker.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    HostingLog.TickFailed(_logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
