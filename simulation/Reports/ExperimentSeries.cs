namespace Federated.Simulation.Reports;

/// <summary>The three ways every experiment trains the same model on the same split.</summary>
public static class ExperimentSeries
{
    /// <summary>Federated training through the round engine.</summary>
    public const string Federated = "federated";

    /// <summary>Each client alone on its own training data, same budget.</summary>
    public const string LocalOnly = "local_only";

    /// <summary>One model on the pooled training data, same budget.</summary>
    public const string Centralised = "centralised";

    /// <summary>All series in report order.</summary>
    public static IReadOnlyList<string> All { get; } = [Federated, LocalOnly, Centralised];
}
