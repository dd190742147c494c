using Federated.Coordinator.Runs;
using Federated.Model.Parameters;

namespace Federated.Coordinator.Aggregation;

/// <summary>The registry of strategy names: validation of their parameters and creation of one instance per run.</summary>
public static class AggregationStrategies
{
    /// <summary>Every known strategy name.</summary>
    public static IReadOnlyList<string> Names { get; } = [FedAvgStrategy.StrategyName, .. ServerOptimizerSettings.Names];

    /// <summary>Whether <paramref name="name"/> is a known strategy.</summary>
    public static bool IsKnown(string? name) => name is not null && Names.Contains(name, StringComparer.Ordinal);

    /// <summary>The first problem with a strategy's parameters (key and reason), or null.</summary>
    public static (string Key, string Reason)? CheckParameters(string name, IReadOnlyDictionary<string, double> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (ServerOptimizerSettings.TryParse(name, out var optimizer))
        {
            return ServerOptimizerSettings.Check(optimizer, parameters);
        }

        foreach (var (key, value) in parameters)
        {
            if (name == FedAvgStrategy.StrategyName && key != FedAvgStrategy.ServerLearningRateKey)
            {
                return (key, $"unknown parameter of '{name}'; known: {FedAvgStrategy.ServerLearningRateKey}");
            }

            if (!double.IsFinite(value) || value <= 0)
            {
                return (key, $"must be a finite number > 0, not {value}");
            }
        }

        return null;
    }

    /// <summary>Creates the strategy a run's config names.</summary>
    public static IAggregationStrategy Create(StrategySettings settings, CompiledModel model)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Name switch
        {
            FedAvgStrategy.StrategyName => new FedAvgStrategy(
                model,
                settings.Parameters.TryGetValue(FedAvgStrategy.ServerLearningRateKey, out var eta) ? eta : 1),
            _ when ServerOptimizerSettings.TryParse(settings.Name, out var optimizer) => new ServerOptimizerStrategy(
                model,
                ServerOptimizerSettings.From(optimizer, settings.Parameters)),
            _ => throw new RunConfigException("strategy.name", $"unknown strategy '{settings.Name}'"),
        };
    }
}
