using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Aggregation.Robust;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;

namespace Federated.Coordinator.Rounds.Pipeline;

/// <summary>Builds each run's <see cref="RoundPipeline"/> from its config: the strategy it names, then every extension in order.</summary>
public sealed class RoundPipelineFactory
{
    private readonly IRoundPipelineExtension[] _extensions;
    private readonly UpdateBufferOptions? _buffer;

    /// <summary>A factory with the given extensions (none: the strategy alone).</summary>
    /// <param name="extensions">Steps added to the runs whose config asks for them.</param>
    /// <param name="buffer">Where strategies that need a round's updates together keep them; null: the defaults.</param>
    public RoundPipelineFactory(IEnumerable<IRoundPipelineExtension>? extensions = null, UpdateBufferOptions? buffer = null)
    {
        _extensions = extensions?.ToArray() ?? [];
        _buffer = buffer;
    }

    /// <summary>The pipeline of a run.</summary>
    /// <param name="config">The run's validated config.</param>
    /// <param name="model">The run's compiled model (tensor roles and tasks; the coordinator aggregates its shared projection).</param>
    /// <exception cref="RunConfigException">The config names an unknown strategy, or an extension refuses it.</exception>
    public RoundPipeline Create(RunConfig config, CompiledModel model)
    {
        ArgumentNullException.ThrowIfNull(config);
        var builder = new RoundPipelineBuilder(AggregationStrategies.Create(config.Strategy, model, _buffer));
        foreach (var extension in _extensions)
        {
            extension.Extend(config, builder);
        }

        return builder.Build();
    }
}
