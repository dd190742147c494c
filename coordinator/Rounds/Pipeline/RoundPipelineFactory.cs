using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Aggregation.Privacy;
using Federated.Coordinator.Aggregation.Robust;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;

namespace Federated.Coordinator.Rounds.Pipeline;

/// <summary>
/// Builds each run's <see cref="RoundPipeline"/> from its config: the strategy it names, behind DP-FedAvg and with
/// Poisson sampling of nodes when the config has a <c>privacy</c> section, then every extension in order.
/// </summary>
/// <remarks>
/// Privacy is part of the factory, not an optional extension: a run that asks for it gets it from every factory, so no
/// host can accept a private run and then release its model without noise.
/// </remarks>
public sealed class RoundPipelineFactory
{
    private readonly IRoundPipelineExtension[] _extensions;
    private readonly UpdateBufferOptions? _buffer;
    private readonly PrivacyNoiseSource _privacyNoise;

    /// <summary>A factory with the given extensions (none: the strategy alone).</summary>
    /// <param name="extensions">Steps added to the runs whose config asks for them.</param>
    /// <param name="buffer">Where strategies that need a round's updates together keep them; null: the defaults.</param>
    /// <param name="privacyNoise">Where private runs draw their noise and their samples; null: <see cref="PrivacyNoiseSource.System"/> (the simulation keys it by the run's seed).</param>
    public RoundPipelineFactory(IEnumerable<IRoundPipelineExtension>? extensions = null, UpdateBufferOptions? buffer = null, PrivacyNoiseSource? privacyNoise = null)
    {
        _extensions = extensions?.ToArray() ?? [];
        _buffer = buffer;
        _privacyNoise = privacyNoise ?? PrivacyNoiseSource.System;
    }

    /// <summary>The pipeline of a run.</summary>
    /// <param name="config">The run's validated config.</param>
    /// <param name="model">The run's compiled model (tensor roles and tasks; the coordinator aggregates its shared projection).</param>
    /// <exception cref="RunConfigException">The config names an unknown strategy, or an extension refuses it.</exception>
    public RoundPipeline Create(RunConfig config, CompiledModel model)
    {
        ArgumentNullException.ThrowIfNull(config);
        var strategy = AggregationStrategies.WithPrivacy(AggregationStrategies.Create(config.Strategy, model, _buffer, config.Seed), config, _privacyNoise);
        IParticipantSampler sampler = strategy is DpFedAvgStrategy dp
            ? new PoissonSampler(dp.Plan.SampleRate, config.MinClients, _privacyNoise.SamplingForRun(config.Seed))
            : new NodeSelector(config);
        var builder = new RoundPipelineBuilder(strategy, sampler);
        foreach (var extension in _extensions)
        {
            extension.Extend(config, builder);
        }

        return builder.Build();
    }
}
