using Federated.Client.Data;
using Federated.Client.Training;
using Federated.Model.Parameters;
using Federated.Simulation.Attacks;
using Federated.Simulation.Partitioning;

namespace Federated.Simulation.Engine;

/// <summary>
/// The virtual clients of an experiment: per client of a <see cref="DataPartition"/>, its examples encoded into its own
/// <see cref="ExampleTable"/> with the experiment's train/test marks as its split, and its seed. Clients whose share has
/// no training example cannot train and are left out (counted in <see cref="Dropped"/>).
/// </summary>
public sealed class VirtualClients
{
    private VirtualClients(SimulationData data, DataPartition partition, string[] names, int[][] examples, NodeDataset[] datasets, int[] seeds, int dropped)
    {
        Data = data;
        Partition = partition;
        Names = names;
        Examples = examples;
        Datasets = datasets;
        Seeds = seeds;
        Dropped = dropped;
    }

    /// <summary>The data set.</summary>
    public SimulationData Data { get; }

    /// <summary>The partition the clients come from.</summary>
    public DataPartition Partition { get; }

    /// <summary>Client names (the partition's, for the clients kept).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Per client: the indices (into <see cref="SimulationData.Examples"/>) of its examples, ascending; row k of its table is example k of this list.</summary>
    public IReadOnlyList<int[]> Examples { get; }

    /// <summary>Per client: its encoded examples and split (train = its examples not marked test, test = the rest, no validation).</summary>
    public IReadOnlyList<NodeDataset> Datasets { get; }

    /// <summary>Per client: its seed (shuffles, dropout).</summary>
    public IReadOnlyList<int> Seeds { get; }

    /// <summary>Clients of the partition left out because they had no training example.</summary>
    public int Dropped { get; }

    /// <summary>Number of clients.</summary>
    public int Count => Datasets.Count;

    /// <summary>Encodes every client's examples for the data's model.</summary>
    /// <param name="data">The data set.</param>
    /// <param name="partition">Which examples each client holds.</param>
    /// <param name="seed">The experiment's seed; client c gets a seed derived from it and c.</param>
    public static VirtualClients Build(SimulationData data, DataPartition partition, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(partition);
        var names = new List<string>();
        var examples = new List<int[]>();
        var datasets = new List<NodeDataset>();
        var seeds = new List<int>();
        var dropped = 0;
        for (var c = 0; c < partition.Count; c++)
        {
            var indices = partition.Clients[c];
            if (indices.All(i => data.IsTest[i]))
            {
                dropped++;
                continue;
            }

            names.Add(partition.ClientNames[c]);
            examples.Add(indices);
            datasets.Add(Encode(data, partition.ClientNames[c], indices, i => data.Examples[i]));
            seeds.Add(unchecked((seed * 1_000_003) + c));
        }

        return new VirtualClients(data, partition, [.. names], [.. examples], [.. datasets], [.. seeds], dropped);
    }

    /// <summary>
    /// The same clients, except that the <paramref name="malicious"/> ones hold their training examples with flipped
    /// labels (<see cref="LabelFlip"/>; test examples unchanged): the <c>label-flip</c> attack's federation.
    /// </summary>
    /// <param name="malicious">Indices of the clients whose training labels are flipped.</param>
    public VirtualClients WithFlippedTrainingLabels(IReadOnlyCollection<int> malicious)
    {
        ArgumentNullException.ThrowIfNull(malicious);
        var rules = LabelFlip.Rules(Data);
        var datasets = Datasets.ToArray();
        foreach (var c in malicious)
        {
            datasets[c] = Encode(Data, Names[c], Examples[c], i => Data.IsTest[i] ? Data.Examples[i] : LabelFlip.Flip(Data.Examples[i], rules));
        }

        return new VirtualClients(Data, Partition, [.. Names], [.. Examples], datasets, [.. Seeds], Dropped);
    }

    /// <summary>A fresh client c, its local state starting from <paramref name="initial"/>'s local tensors.</summary>
    public LocalClient CreateClient(int c, ParameterSet initial) => LocalClient.InMemory(Datasets[c], initial, Seeds[c]);

    private static NodeDataset Encode(SimulationData data, string name, int[] indices, Func<int, Example> example)
    {
        var source = new InMemoryExampleSource(name, data.Schema, [.. indices.Select(example)]);
        var table = ExampleTable.Load(source, data.Model);
        if (table.Count != indices.Length)
        {
            throw new DataFormatException($"client {name}: {indices.Length - table.Count} examples could not be encoded for the model ({string.Join("; ", table.Report.FirstBadRows.Select(b => b.ToString()))})");
        }

        return new NodeDataset(table, Split(data, indices));
    }

    /// <summary>The split of rows 0..n−1 of a table holding <paramref name="indices"/>, by the data's test marks.</summary>
    internal static DataSplit Split(SimulationData data, IReadOnlyList<int> indices)
    {
        var train = new List<int>();
        var test = new List<int>();
        for (var row = 0; row < indices.Count; row++)
        {
            (data.IsTest[indices[row]] ? test : train).Add(row);
        }

        return new DataSplit([.. train], [], [.. test]);
    }
}
