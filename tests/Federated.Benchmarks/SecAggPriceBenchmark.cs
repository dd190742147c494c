using System.CommandLine;
using Federated.Client.Training;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Updates;
using Federated.Protos;
using Federated.Protos.V1;
using Federated.SecureAggregation.Crypto;
using Federated.SecureAggregation.Protocol;
using Federated.SecureAggregation.Sharing;
using Federated.Simulation.Datasets;
using Federated.Simulation.Engine;
using Federated.Simulation.Partitioning;

namespace Federated.Benchmarks;

/// <summary>
/// The <c>secagg-price</c> subcommand: what secure aggregation costs in bytes on MovieLens 100K, per user (one client per
/// user, the cross-device case). Every user of a fold trains one round from the initial model with the simulation's
/// model and plan (row-sparse embedding updates), and each real update is measured three ways:
/// <list type="bullet">
/// <item>plain sparse: the protobuf size of its <see cref="TensorChunk"/> messages as a node sends them (only the rows it touched);</item>
/// <item>plain dense: the same update with every shared tensor sent whole;</item>
/// <item>secure: the masked vector over the dense row universe (<see cref="WeightedUpdateVector"/>: every shared value,
/// one weight per embedding row and one per weight group, 4 bytes each, the ring Z_2^32; framed here as float chunks of
/// the same size) and the protocol's own messages for a neighbourhood of m parties (two public keys,
/// m − 1 sealed share bundles and m revealed shares sent; the directory, the inbox and the request received).</item>
/// </list>
/// It also reports how much of the item table a round's selected users touch together (the smallest public row universe
/// that would still hide each user's rows among the round's, which itself reveals their union).
/// </summary>
internal static class SecAggPriceBenchmark
{
    public static Command CreateCommand()
    {
        var path = new Option<string>("--path") { Description = "Directory of MovieLens 100K", Required = true };
        var fold = new Option<int>("--fold") { Description = "Official fold 1..5", DefaultValueFactory = _ => 1 };
        var parties = new Option<int>("--parties") { Description = "Nodes m of a secure round's neighbourhood (the complete graph: the round's size)", DefaultValueFactory = _ => 100 };
        var command = new Command("secagg-price", "Bytes per node on per-user MovieLens 100K: plain sparse, plain dense and secure-aggregation uploads of the same trained updates");
        command.Options.Add(path);
        command.Options.Add(fold);
        command.Options.Add(parties);
        command.SetAction(result => Run(result.GetValue(path)!, result.GetValue(fold), result.GetValue(parties)));
        return command;
    }

    private static int Run(string path, int fold, int parties)
    {
        if (fold is < 1 or > 5 || parties is < 2 or > ShamirSecretSharing.MaxIndex || !Directory.Exists(path))
        {
            Console.Error.WriteLine($"secagg-price: --path must be a directory, --fold in 1-5, --parties in 2-{ShamirSecretSharing.MaxIndex}");
            return 2;
        }

        var model = CompiledModel.Compile(MovieLensData.Spec(16));
        var data = MovieLensData.Fold(path, fold, model);
        var user = data.Schema.UserField!;
        var partition = Partitioners.PerUser(data.Examples.Count, data.KeyOf(user));
        var clients = VirtualClients.Build(data, partition, seed: 1);
        var initial = model.Initialize(1);
        var layout = initial.Layout;
        var shared = layout.Tensors.Where(t => t.Scope == ParameterScope.Shared).ToArray();
        var maskedLength = new WeightedUpdateVector(model).Length;
        var sharedValues = shared.Sum(t => (long)t.Length);
        var itemTable = shared.Single(t => t.Role == TensorRole.Embedding && t.Name.Contains("item", StringComparison.Ordinal));
        var assignment = new TrainingAssignment { Round = 1, ModelVersion = 0, Plan = SimulationOptions.DefaultPlan with { SparseEmbeddings = true } };

        var sparseBytes = new List<long>(clients.Count);
        var itemRows = new List<int[]>(clients.Count);
        using var workspace = new TrainingWorkspace(model, new NodeTrainingOptions { Threads = 1 });
        for (var c = 0; c < clients.Count; c++)
        {
            var client = LocalClient.InMemory(clients.Datasets[c], initial, clients.Seeds[c]);
            var update = workspace.Train(client, assignment, initial);
            sparseBytes.Add(update.Delta.Tensors.Sum(t => WireBytes(t, layout)));
            itemRows.Add(update.Delta.Tensors.Single(t => t.Name == itemTable.Name).Rows ?? [.. Enumerable.Range(0, itemTable.Rows)]);
        }

        var denseBytes = shared.Sum(t => TensorChunker.Dense(t.Name, new float[t.Length], 0, t.Length).Sum(ChunkBytes));
        var maskedBytes = TensorChunker.Dense("masked", new float[maskedLength], 0, maskedLength).Sum(ChunkBytes);
        // Protocol payloads of one surviving party of a complete neighbourhood of m (framing left out, as in `secagg`).
        var keys = 2L * KeyAgreement.PublicKeyLength;
        var protocolSent = keys + ((parties - 1L) * SecAggClient.SealedBundleLength) + (parties * (long)ShamirSecretSharing.SecretLength);
        var protocolReceived = (parties * keys) + ((parties - 1L) * SecAggClient.SealedBundleLength) + (4L * parties);

        sparseBytes.Sort();
        var union = UnionFraction(itemRows, parties, itemTable.Rows);
        AggregationRound.Print(new Dictionary<string, object>
        {
            ["benchmark"] = "secagg-price",
            ["data"] = $"ML-100K u{fold}.base, per-user",
            ["clients"] = clients.Count,
            ["shared_values"] = sharedValues,
            ["masked_vector_length"] = maskedLength,
            ["item_rows_touched_mean"] = Math.Round(itemRows.Average(r => r.Length), 1),
            ["item_table_rows"] = itemTable.Rows,
            ["plain_sparse_bytes_mean"] = Math.Round(sparseBytes.Average()),
            ["plain_sparse_bytes_median"] = sparseBytes[sparseBytes.Count / 2],
            ["plain_sparse_bytes_max"] = sparseBytes[^1],
            ["plain_dense_bytes"] = denseBytes,
            ["secure_masked_input_bytes"] = maskedBytes,
            ["secure_protocol_bytes_sent"] = protocolSent,
            ["secure_protocol_bytes_received"] = protocolReceived,
            ["secure_bytes_sent"] = maskedBytes + protocolSent,
            ["secure_to_plain_sparse"] = Math.Round((maskedBytes + protocolSent) / sparseBytes.Average(), 2),
            ["secure_to_plain_dense"] = Math.Round((double)(maskedBytes + protocolSent) / denseBytes, 3),
            ["parties"] = parties,
            ["item_union_of_parties_fraction"] = Math.Round(union, 3),
        });
        return 0;
    }

    /// <summary>Protobuf bytes of one tensor of an update as the node's gRPC connection chunks it.</summary>
    private static long WireBytes(TensorDelta delta, ParameterLayout layout) => (delta.Rows is null
        ? TensorChunker.Dense(delta.Name, delta.Values, 0, delta.Values.Length)
        : TensorChunker.Sparse(delta.Name, delta.Rows, delta.Values, layout[delta.Name].Columns)).Sum(ChunkBytes);

    private static long ChunkBytes(TensorChunk chunk) => new UpdateChunk { Tensor = chunk }.CalculateSize();

    /// <summary>Mean, over consecutive groups of <paramref name="parties"/> users, of the share of the item table their rows cover together.</summary>
    private static double UnionFraction(List<int[]> rows, int parties, int tableRows)
    {
        var fractions = new List<double>();
        for (var start = 0; start + parties <= rows.Count; start += parties)
        {
            fractions.Add(rows.Skip(start).Take(parties).SelectMany(r => r).Distinct().Count() / (double)tableRows);
        }

        return fractions.Count == 0 ? 1 : fractions.Average();
    }
}
