namespace Federated.Client.Federation;

/// <summary>What a <see cref="NodeProgress"/> report is about.</summary>
public enum NodeProgressKind
{
    /// <summary>Joined a run; <see cref="NodeProgress.ModelVersion"/> is its current version.</summary>
    Joined,

    /// <summary>Local state from an earlier process was loaded; <see cref="NodeProgress.Round"/> is the last round it trained.</summary>
    Resumed,

    /// <summary>A global version was downloaded.</summary>
    Downloaded,

    /// <summary>A global version was evaluated on the local validation split; <see cref="NodeProgress.Metrics"/> holds the summaries.</summary>
    Evaluated,

    /// <summary>A round was trained locally; <see cref="NodeProgress.Metrics"/> holds the training summaries.</summary>
    Trained,

    /// <summary>An update was accepted (or recognised as already counted).</summary>
    Submitted,

    /// <summary>The coordinator refused an update or evaluation; the node goes on with the next round.</summary>
    Rejected,

    /// <summary>The coordinator is unreachable; the call is retried after a delay.</summary>
    Retrying,

    /// <summary>The run is over.</summary>
    RunEnded,

    /// <summary>The node stopped on request before the run ended.</summary>
    Stopped,

    /// <summary>State files already in the state directory were moved aside (<see cref="NodeRunnerOptions.FreshState"/>).</summary>
    Discarded,

    /// <summary>The node's data changed on disk and was read again (<see cref="NodeRunnerOptions.DataChanged"/>); <see cref="NodeProgress.Round"/> is the first round trained on it.</summary>
    DataChanged,
}
