using System.Globalization;

namespace Federated.Coordinator.Aggregation;

/// <summary>
/// The names, parameter keys, defaults and valid ranges of the server optimisers, and their values for one run.
/// </summary>
/// <remarks>
/// <para>
/// Keys follow the paper's symbols: <c>serverLearningRate</c> (η), <c>beta1</c> (β₁), <c>beta2</c> (β₂), <c>tau</c>
/// (τ) and, for <c>fedavgm</c>, <c>momentum</c> (β). A key the optimiser does not use is refused rather than ignored
/// (<c>beta2</c> for <c>fedadagrad</c>, which has no decay of v).
/// </para>
/// <para>
/// Defaults, and why. <c>fedavgm</c>: η = 1 and β = 0.9 — Hsu et al. (2019) and the FedAvgM baseline of Reddi et al.
/// use momentum 0.9 with server learning rate 1, so that β = 0 is plain FedAvg (Flower's <c>FedAvgM</c> defaults to
/// momentum 0, i.e. to FedAvg, which would make the strategy a no-op by default). Adaptive ones: β₁ = 0.9 and
/// β₂ = 0.99, the values Reddi et al. fix for all their experiments and Flower's defaults; τ = 1e-3, the middle of the
/// paper's grid {1e-7 … 1e-1} and the default of Flower's current <c>flwr.serverapp.strategy.FedAdam/FedYogi/FedAdagrad</c>
/// (its older <c>flwr.server.strategy</c> used 1e-9, which makes the first rounds' steps ≈ η·sign(Δ), far too large
/// for embeddings that start near zero); η = 0.1, Flower's default — the paper tunes η per task and names no single
/// default, and its best values for Adam and Yogi lie around 10^-1.5 … 10^-0.5. η should be tuned per federation.
/// </para>
/// </remarks>
public sealed record ServerOptimizerSettings
{
    /// <summary>Config name of server momentum.</summary>
    public const string FedAvgMName = "fedavgm";

    /// <summary>Config name of server Adagrad.</summary>
    public const string FedAdagradName = "fedadagrad";

    /// <summary>Config name of server Adam.</summary>
    public const string FedAdamName = "fedadam";

    /// <summary>Config name of server Yogi.</summary>
    public const string FedYogiName = "fedyogi";

    /// <summary>Key of η, the server learning rate.</summary>
    public const string ServerLearningRateKey = "serverLearningRate";

    /// <summary>Key of β₁, the decay of the first moment.</summary>
    public const string Beta1Key = "beta1";

    /// <summary>Key of β₂, the decay of the second moment (Adam, Yogi).</summary>
    public const string Beta2Key = "beta2";

    /// <summary>Key of τ, the adaptivity (added to √v).</summary>
    public const string TauKey = "tau";

    /// <summary>Key of β, the server momentum of FedAvgM.</summary>
    public const string MomentumKey = "momentum";

    /// <summary>The config names, in the order of <see cref="ServerOptimizerKind"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = [FedAvgMName, FedAdagradName, FedAdamName, FedYogiName];

    /// <summary>Which optimiser.</summary>
    public ServerOptimizerKind Kind { get; init; } = ServerOptimizerKind.FedAdam;

    /// <summary>η, &gt; 0. Default 1 for <c>fedavgm</c>, 0.1 for the adaptive ones.</summary>
    public double ServerLearningRate { get; init; } = 0.1;

    /// <summary>β₁ in [0, 1) (adaptive ones). Default 0.9.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>β₂ in [0, 1) (Adam, Yogi). Default 0.99.</summary>
    public double Beta2 { get; init; } = 0.99;

    /// <summary>τ &gt; 0 (adaptive ones); v starts at τ². Default 1e-3.</summary>
    public double Tau { get; init; } = 1e-3;

    /// <summary>β in [0, 1) (<c>fedavgm</c>). Default 0.9.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>The config name of <see cref="Kind"/>.</summary>
    public string Name => NameOf(Kind);

    /// <summary>Whether the optimiser keeps a second moment v beside the first m.</summary>
    public bool IsAdaptive => Kind != ServerOptimizerKind.FedAvgM;

    /// <summary>The config name of an optimiser.</summary>
    public static string NameOf(ServerOptimizerKind kind) => Names[(int)kind - 1];

    /// <summary>The optimiser a config name denotes, if it is one.</summary>
    public static bool TryParse(string? name, out ServerOptimizerKind kind)
    {
        for (var i = 0; i < Names.Count; i++)
        {
            if (string.Equals(Names[i], name, StringComparison.Ordinal))
            {
                kind = (ServerOptimizerKind)(i + 1);
                return true;
            }
        }

        kind = default;
        return false;
    }

    /// <summary>The parameter keys an optimiser reads.</summary>
    public static IReadOnlyList<string> KeysOf(ServerOptimizerKind kind) => kind switch
    {
        ServerOptimizerKind.FedAvgM => [ServerLearningRateKey, MomentumKey],
        ServerOptimizerKind.FedAdagrad => [ServerLearningRateKey, Beta1Key, TauKey],
        _ => [ServerLearningRateKey, Beta1Key, Beta2Key, TauKey],
    };

    /// <summary>The first problem with an optimiser's parameters (key and reason), or null.</summary>
    public static (string Key, string Reason)? Check(ServerOptimizerKind kind, IReadOnlyDictionary<string, double> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var keys = KeysOf(kind);
        foreach (var (key, value) in parameters)
        {
            if (!keys.Contains(key))
            {
                return (key, $"unknown parameter of '{NameOf(kind)}'; known: {string.Join(", ", keys)}");
            }

            var text = value.ToString("R", CultureInfo.InvariantCulture);
            switch (key)
            {
                case ServerLearningRateKey or TauKey when !double.IsFinite(value) || value <= 0:
                    return (key, $"must be a finite number > 0, not {text}");
                case Beta1Key or Beta2Key or MomentumKey when !(value >= 0 && value < 1):
                    return (key, $"must be in [0, 1), not {text}");
            }
        }

        return null;
    }

    /// <summary>The settings of an optimiser from checked parameters, defaults for the keys absent.</summary>
    /// <exception cref="ArgumentException">A parameter fails <see cref="Check"/>.</exception>
    public static ServerOptimizerSettings From(ServerOptimizerKind kind, IReadOnlyDictionary<string, double> parameters)
    {
        if (Check(kind, parameters) is { } problem)
        {
            throw new ArgumentException($"strategy parameter '{problem.Key}' {problem.Reason}", nameof(parameters));
        }

        double Get(string key, double fallback) => parameters.TryGetValue(key, out var value) ? value : fallback;
        var defaults = new ServerOptimizerSettings();
        return new ServerOptimizerSettings
        {
            Kind = kind,
            ServerLearningRate = Get(ServerLearningRateKey, kind == ServerOptimizerKind.FedAvgM ? 1 : defaults.ServerLearningRate),
            Beta1 = Get(Beta1Key, defaults.Beta1),
            Beta2 = Get(Beta2Key, defaults.Beta2),
            Tau = Get(TauKey, defaults.Tau),
            Momentum = Get(MomentumKey, defaults.Momentum),
        };
    }
}
