using Federated.Model.Parameters;
using Federated.Model.Training;

namespace Federated.Client.Training;

/// <summary>
/// Where a client keeps its local tensors (user embeddings of local fields, local task heads, uncertainty
/// weights) between rounds: a file for a real node (<see cref="FileLocalStateStore"/>), a few owned rows in
/// memory for a virtual client of the simulation (<see cref="CompactLocalStateStore"/>).
/// </summary>
/// <remarks>
/// A store is used by one thread at a time. It reads and writes only local-scope tensors of a full
/// <see cref="ParameterSet"/> (a session's own, or a <see cref="TrainingWorkspace"/>'s lent buffer).
/// </remarks>
public interface ILocalStateStore
{
    /// <summary>
    /// Whether <see cref="TryLoad"/> writes every local value that this client's data can read, so that a
    /// buffer that last held another client's tensors is fully restored. A store that cannot (a file store with
    /// no file yet: the client's initial values are not in it) may be used only on a buffer it owns.
    /// </summary>
    bool RestoresCompleteState { get; }

    /// <summary>
    /// How many times <see cref="Save"/> has completed on this store in this process: a buffer that loaded the state at an
    /// older revision holds a stale copy (another workspace trained the client since) and must load it again.
    /// </summary>
    long Revision { get; }

    /// <summary>Writes the saved local tensors into <paramref name="parameters"/>; shared tensors are not touched.</summary>
    /// <param name="parameters">Parameters of the model's layout.</param>
    /// <returns>What the saved state says about itself, or null when nothing was saved yet.</returns>
    /// <exception cref="LocalStateException">The saved state is for another model layout, or damaged.</exception>
    LocalStateHeader? TryLoad(ParameterSet parameters);

    /// <summary>Saves the local tensors of <paramref name="parameters"/>.</summary>
    /// <param name="parameters">Parameters of the model's layout after local training.</param>
    /// <param name="modelVersion">The shared version last trained from.</param>
    /// <param name="round">The round last trained.</param>
    /// <param name="touchedRows">
    /// Optional: local embedding tensor name → rows that training changed since the last load. A store that
    /// keeps only some rows checks that it keeps every one of them.
    /// </param>
    /// <exception cref="LocalStateException">The parameters have another layout than the store's.</exception>
    void Save(ParameterSet parameters, long modelVersion, long round, IReadOnlyDictionary<string, RowSet>? touchedRows = null);
}
