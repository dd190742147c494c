namespace Federated.Coordinator.Rounds;

/// <summary>The life of a round.</summary>
public enum RoundState
{
    /// <summary>Collecting updates.</summary>
    Open,

    /// <summary>Aggregated; its new version is stored.</summary>
    Committed,

    /// <summary>Its deadline passed without quorum.</summary>
    Failed,

    /// <summary>Its run was stopped while it was open.</summary>
    Abandoned,
}
