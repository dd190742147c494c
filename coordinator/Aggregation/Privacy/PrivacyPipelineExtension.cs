using Federated.Coordinator.Rounds.Pipeline;
using Federated.Coordinator.Runs;

namespace Federated.Coordinator.Aggregation.Privacy;

/// <summary>
/// Puts DP-FedAvg (<see cref="DpFedAvgStrategy"/>) in front of the strategy of every run whose config has a
/// <c>privacy</c> section; other runs are left as they are. Registered in the coordinator's services with the system
/// noise source; the simulation registers it with noise keyed by the run's seed.
/// </summary>
public sealed class PrivacyPipelineExtension : IRoundPipelineExtension
{
    private readonly PrivacyNoiseSource _noise;

    /// <summary>The extension with noise from <paramref name="noise"/> (default <see cref="PrivacyNoiseSource.System"/>).</summary>
    public PrivacyPipelineExtension(PrivacyNoiseSource? noise = null)
    {
        _noise = noise ?? PrivacyNoiseSource.System;
    }

    /// <inheritdoc />
    public void Extend(RunConfig config, RoundPipelineBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(builder);
        builder.Strategy = AggregationStrategies.WithPrivacy(builder.Strategy, config, _noise);
    }
}
