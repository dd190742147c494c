using Federated.Coordinator.Aggregation.Privacy;
using Federated.Coordinator.Aggregation.Robust;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;

namespace Federated.Coordinator.Aggregation;

/// <summary>The registry of strategy names: validation of their parameters and creation of one instance per run.</summary>
public static class AggregationStrategies
{
    /// <summary>Every known strategy name.</summary>
    public static IReadOnlyList<string> Names { get; } = [FedAvgStrategy.StrategyName, .. ServerOptimizerSettings.Names, .. RobustStrategies.Names];

    /// <summary>Whether <paramref name="name"/> is a known strategy.</summary>
    public static bool IsKnown(string? name) => name is not null && Names.Contains(name, StringComparer.Ordinal);

    /// <summary>The first problem with a strategy's parameters (key and reason), or null.</summary>
    /// <param name="name">The strategy.</param>
    /// <param name="parameters">Its parameters.</param>
    /// <param name="minUpdates">The fewest updates a round of the run can commit with (its quorum), for the robust rules' preconditions.</param>
    public static (string Key, string Reason)? CheckParameters(string name, IReadOnlyDictionary<string, double> parameters, int minUpdates = 1)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (RobustStrategies.IsRobust(name))
        {
            return RobustStrategies.CheckParameters(name, parameters, minUpdates);
        }

        if (ServerOptimizerSettings.TryParse(name, out var optimizer))
        {
            // The norm bound may stand in front of an optimiser; the optimiser checks the rest.
            if (parameters.TryGetValue(NormBound.MultipleKey, out var multiple) && !(double.IsFinite(multiple) && multiple > 0))
            {
                return (NormBound.MultipleKey, $"must be a finite number > 0, not {multiple}");
            }

            return ServerOptimizerSettings.Check(optimizer, WithoutNormBound(parameters));
        }

        foreach (var (key, value) in parameters)
        {
            if (name == FedAvgStrategy.StrategyName && key != FedAvgStrategy.ServerLearningRateKey && key != NormBound.MultipleKey)
            {
                return (key, $"unknown parameter of '{name}'; known: {FedAvgStrategy.ServerLearningRateKey}, {NormBound.MultipleKey}");
            }

            if (!double.IsFinite(value) || value <= 0)
            {
                return (key, $"must be a finite number > 0, not {value}");
            }
        }

        return null;
    }

    /// <summary>Creates the strategy a run's config names (behind the norm bound when its parameters ask for one).</summary>
    /// <param name="settings">The run's strategy settings.</param>
    /// <param name="model">The run's model.</param>
    /// <param name="buffer">Where strategies that need a round's updates together keep them; null: <see cref="UpdateBufferOptions.Default"/>.</param>
    /// <param name="seed">The run's seed (<see cref="Runs.RunConfig.Seed"/>), for strategies that draw randomness (bucketing).</param>
    public static IAggregationStrategy Create(StrategySettings settings, CompiledModel model, UpdateBufferOptions? buffer = null, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(settings);
        IAggregationStrategy strategy = settings.Name switch
        {
            FedAvgStrategy.StrategyName => new FedAvgStrategy(
                model,
                settings.Parameters.TryGetValue(FedAvgStrategy.ServerLearningRateKey, out var eta) ? eta : 1),
            _ when RobustStrategies.IsRobust(settings.Name) => RobustStrategies.Create(settings, model, buffer, seed),
            _ when ServerOptimizerSettings.TryParse(settings.Name, out var optimizer) => new ServerOptimizerStrategy(
                model,
                ServerOptimizerSettings.From(optimizer, WithoutNormBound(settings.Parameters))),
            _ => throw new RunConfigException("strategy.name", $"unknown strategy '{settings.Name}'"),
        };
        return NormBoundedStrategy.WrapIfAsked(strategy, settings.Parameters, buffer);
    }

    /// <summary>
    /// <paramref name="strategy"/> behind DP-FedAvg when <paramref name="config"/> has a <c>privacy</c> section
    /// (<see cref="DpFedAvgStrategy"/>); otherwise <paramref name="strategy"/> itself, untouched.
    /// </summary>
    /// <param name="strategy">The strategy the config names (FedAvg or a server optimiser: validation refuses the others).</param>
    /// <param name="config">The run's validated config.</param>
    /// <param name="noise">Where the noise comes from; default <see cref="PrivacyNoiseSource.System"/>.</param>
    /// <exception cref="RunConfigException">The privacy section is invalid.</exception>
    public static IAggregationStrategy WithPrivacy(IAggregationStrategy strategy, RunConfig config, PrivacyNoiseSource? noise = null)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(config);
        if (PrivacyPlan.From(config) is not { } plan || strategy is DpFedAvgStrategy)
        {
            return strategy;
        }

        return new DpFedAvgStrategy(strategy, plan, config.Spec.Tasks, (noise ?? PrivacyNoiseSource.System).ForRun(config.Seed));
    }

    private static Dictionary<string, double> WithoutNormBound(IReadOnlyDictionary<string, double> parameters) =>
        parameters.Where(p => p.Key != NormBound.MultipleKey).ToDictionary(StringComparer.Ordinal);
}
