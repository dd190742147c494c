using Federated.Client.Data;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Training;

/// <summary>
/// What one client owns, apart from any training machinery: its data, where its local tensors are kept, and its
/// seed. A <see cref="TrainingWorkspace"/> is lent to it for one round at a time; thousands of these cost only their
/// data and their (compact) local state.
/// </summary>
/// <remarks>
/// Results depend on <see cref="Seed"/>, never on the workspace or worker that trains the client: the shuffle of
/// round r uses (seed, r), and dropout masks restart from the seed every round. Use a client from one thread at a
/// time (its store is not thread-safe).
/// </remarks>
public sealed class LocalClient
{
    /// <summary>A client.</summary>
    /// <param name="data">Its examples and split, encoded for the run's model.</param>
    /// <param name="state">Where its local tensors are kept.</param>
    /// <param name="seed">Seeds its shuffles and dropout (a real node uses <see cref="NodeTrainingOptions.Seed"/>).</param>
    public LocalClient(NodeDataset data, ILocalStateStore state, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(state);
        Data = data;
        State = state;
        Seed = seed;
    }

    /// <summary>The client's examples and split.</summary>
    public NodeDataset Data { get; }

    /// <summary>Where its local tensors are kept.</summary>
    public ILocalStateStore State { get; }

    /// <summary>Its seed.</summary>
    public int Seed { get; }

    /// <summary>The fingerprint of its model's parameter layout (that of the model its data is encoded for).</summary>
    public string LayoutFingerprint => Data.Model.Fingerprint;

    /// <summary>
    /// A virtual client whose local state is a <see cref="CompactLocalStateStore"/> starting from
    /// <paramref name="initial"/>'s local tensors, except that local heads whose output bias starts from data
    /// (<see cref="TaskSpec.OutputBiasFromData"/>) start from the client's own training labels.
    /// </summary>
    /// <param name="data">Its examples and split.</param>
    /// <param name="initial">Initial parameters (may be shared by every client of a run); read, not kept.</param>
    /// <param name="seed">Its seed.</param>
    /// <returns>The client.</returns>
    public static LocalClient InMemory(NodeDataset data, ParameterSet initial, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        var store = new CompactLocalStateStore(data.Table, initial);
        if (DataOutputBias.AnyIn(data.Spec, ParameterScope.Local))
        {
            DataOutputBias.Apply(data.Spec, DataOutputBias.Statistics(data), ParameterScope.Local, (name, value) => store.SetInitial(name, [value]));
        }

        return new LocalClient(data, store, seed);
    }
}
