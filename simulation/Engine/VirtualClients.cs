using Federated.Client.Data;
using Federated.Client.Training;
using Federated.Model.Parameters;
using Federated.Simulation.Attacks;
using Federated.Simulation.Partitioning;
using MathNet.Numerics.Random;

namespace Federated.Simulation.Engine;

/// <summary>
/// The virtual clients of an experiment: per client of a <see cref="DataPartition"/>, its examples encoded into its own
/// <see cref="ExampleTable"/> with the experiment's train/test marks as its split, and its seed. Clients whose share has
/// no training example cannot train and are left out (counted in <see cref="Dropped"/>).
/// </summary>
public sealed class VirtualClients
{
    private VirtualClients(SimulationData data, DataPartition partition, string[] names, int[][] examples, NodeDataset[] datasets, int[] seeds, int dropped, bool[] isValidation)
    {
        IsValidation = isValidation;
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

    /// <summary>
    /// Per example of <see cref="SimulationData.Examples"/>: held out as validation (carved from its client's training
    /// examples; all false without a validation fraction). Every series splits by these marks, so each sees the same rows.
    /// </summary>
    public IReadOnlyList<bool> IsValidation { get; }

    /// <summary>Per client: its encoded examples and split (test = its examples marked test, validation = those marked validation, train = the rest).</summary>
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
    /// <param name="validationFraction">
    /// Share of each client's training examples held out as validation, in [0, 1): round(f × n) of its n training
    /// examples, drawn with a seed derived from <paramref name="seed"/> and the client's name, and at most n − 1 so that it
    /// can still train. 0 (default): none.
    /// </param>
    public static VirtualClients Build(SimulationData data, DataPartition partition, int seed, double validationFraction = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(partition);
        if (!(validationFraction >= 0 && validationFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "the validation fraction must be in [0, 1)");
        }

        var isValidation = new bool[data.Examples.Count];
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
            MarkValidation(data, indices, validationFraction, unchecked((seed * 31) + StableHash(partition.ClientNames[c])), isValidation);
            datasets.Add(Encode(data, partition.ClientNames[c], indices, i => data.Examples[i], isValidation));
            seeds.Add(unchecked((seed * 1_000_003) + c));
        }

        return new VirtualClients(data, partition, [.. names], [.. examples], [.. datasets], [.. seeds], dropped, isValidation);
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
            datasets[c] = Encode(Data, Names[c], Examples[c], i => Data.IsTest[i] ? Data.Examples[i] : LabelFlip.Flip(Data.Examples[i], rules), IsValidation);
        }

        return new VirtualClients(Data, Partition, [.. Names], [.. Examples], datasets, [.. Seeds], Dropped, [.. IsValidation]);
    }

    /// <summary>A fresh client c, its local state starting from <paramref name="initial"/>'s local tensors.</summary>
    /// <param name="c">The client's index.</param>
    /// <param name="initial">The initial parameters.</param>
    /// <param name="member">
    /// The ensemble member it trains for (<see cref="SimulationOptions.Ensemble"/>), 0 outside ensembles: member m's client
    /// seed is the client's + m·16,777,619, so members shuffle differently and, with fewer than 2²⁴ clients and at most
    /// <see cref="SimulationOptions.MaxEnsemble"/> members, no two (client, member) pairs share a seed.
    /// </param>
    public LocalClient CreateClient(int c, ParameterSet initial, int member = 0) => LocalClient.InMemory(Datasets[c], initial, MemberSeed(Seeds[c], member));

    /// <summary>Ensemble member <paramref name="member"/>'s variant of a client's seed: seed + member·16,777,619 (the seed itself for member 0).</summary>
    internal static int MemberSeed(int seed, int member) => unchecked(seed + (member * 16_777_619));

    private static NodeDataset Encode(SimulationData data, string name, int[] indices, Func<int, Example> example, IReadOnlyList<bool> isValidation)
    {
        var source = new InMemoryExampleSource(name, data.Schema, [.. indices.Select(example)]);
        var table = ExampleTable.Load(source, data.Model);
        if (table.Count != indices.Length)
        {
            throw new DataFormatException($"client {name}: {indices.Length - table.Count} examples could not be encoded for the model ({string.Join("; ", table.Report.FirstBadRows.Select(b => b.ToString()))})");
        }

        return new NodeDataset(table, Split(data, indices, isValidation));
    }

    /// <summary>
    /// The split of rows 0..n−1 of a table holding <paramref name="indices"/>, by the data's test marks and the
    /// validation marks.
    /// </summary>
    internal static DataSplit Split(SimulationData data, IReadOnlyList<int> indices, IReadOnlyList<bool> isValidation)
    {
        var train = new List<int>();
        var validation = new List<int>();
        var test = new List<int>();
        for (var row = 0; row < indices.Count; row++)
        {
            var i = indices[row];
            (data.IsTest[i] ? test : isValidation[i] ? validation : train).Add(row);
        }

        return new DataSplit([.. train], [.. validation], [.. test]);
    }

    /// <summary>Marks round(f × n) (at most n − 1) of the client's n training examples as validation, by a seeded shuffle.</summary>
    private static void MarkValidation(SimulationData data, int[] indices, double fraction, int seed, bool[] isValidation)
    {
        if (fraction == 0)
        {
            return;
        }

        var training = indices.Where(i => !data.IsTest[i]).ToArray();
        var count = Math.Min((int)Math.Round(training.Length * fraction), training.Length - 1);
        var random = new Xoshiro256StarStar(seed, threadSafe: false);
        for (var k = 0; k < count; k++)
        {
            // A partial Fisher–Yates shuffle: the first count positions are a uniform sample without replacement.
            var j = k + random.Next(training.Length - k);
            (training[k], training[j]) = (training[j], training[k]);
            isValidation[training[k]] = true;
        }
    }

    /// <summary>A hash of a client's name that is the same in every process (string.GetHashCode is randomised per process).</summary>
    private static int StableHash(string name)
    {
        var hash = 17;
        foreach (var ch in name)
        {
            hash = unchecked((hash * 31) + ch);
        }

        return hash;
    }
}
