using System.CommandLine;
using System.Diagnostics;
using Federated.SecureAggregation;
using Federated.SecureAggregation.Crypto;
using Federated.SecureAggregation.Protocol;

namespace Federated.Benchmarks;

/// <summary>
/// The <c>secagg</c> subcommand: one in-memory secure-aggregation round (Bonawitz et al. 2017; Bell et al. 2020 with
/// <c>--neighbours</c>) of N nodes × P parameters, single-threaded, with a fraction of the nodes vanishing after key
/// sharing. Reports a node's masking time (phase 2: ECDH with each neighbour, the mask PRG expansions) and its key
/// sharing time (phase 1: Shamir shares, encryption), the server's unmasking time (phase 3: rebuilding secrets and
/// removing masks) and its total time, each beside the plain sum of the same N vectors measured in the same run.
/// </summary>
/// <remarks>
/// Node times are the median over the nodes of one round; every figure is the median over <c>--reps</c> rounds. Bytes
/// per node count what a surviving node sends (keys, bundles, masked input, unmask shares) and receives (directory,
/// inbox, request), without framing.
/// </remarks>
internal static class SecAggBenchmark
{
    public static Command CreateCommand()
    {
        var nodes = new Option<int>("--nodes") { Description = "Nodes N in the round (2-255)", DefaultValueFactory = _ => 100 };
        var parameters = new Option<int>("--params") { Description = "Parameters P of every update", DefaultValueFactory = _ => 100_000 };
        var dropout = new Option<double>("--dropout") { Description = "Fraction of the nodes that vanish after key sharing", DefaultValueFactory = _ => 0.1 };
        var neighbours = new Option<int>("--neighbours") { Description = "k of the SecAgg+ neighbour graph (0: complete graph)", DefaultValueFactory = _ => 0 };
        var repetitions = new Option<int>("--reps") { Description = "Timed rounds (the median is reported)", DefaultValueFactory = _ => 3 };
        var command = new Command("secagg", "Secure-aggregation round: node masking and server unmasking time against a plain sum of the same vectors");
        command.Options.Add(nodes);
        command.Options.Add(parameters);
        command.Options.Add(dropout);
        command.Options.Add(neighbours);
        command.Options.Add(repetitions);
        command.SetAction(result => Run(result.GetValue(nodes), result.GetValue(parameters), result.GetValue(dropout), result.GetValue(neighbours), result.GetValue(repetitions)));
        return command;
    }

    private static int Run(int nodes, int parameters, double dropout, int neighbours, int repetitions)
    {
        if (nodes < 2 || nodes > 255 || parameters < 1 || dropout is < 0 or >= 1 || repetitions < 1)
        {
            Console.Error.WriteLine("secagg: --nodes must be in 2-255, --params ≥ 1, --dropout in [0, 1), --reps ≥ 1");
            return 2;
        }

        var neighbourhood = neighbours == 0 ? nodes : neighbours + 1;
        // t = ⌈2/3 of a neighbourhood⌉, Bonawitz et al.'s choice for their figures, at least 2.
        var threshold = Math.Max(2, (int)Math.Ceiling(2.0 * neighbourhood / 3));
        var random = new Random(42);
        var inputs = Enumerable.Range(0, nodes).Select(_ => Enumerable.Range(0, parameters).Select(_ => (uint)random.Next()).ToArray()).ToArray();
        var dropped = (int)Math.Round(nodes * dropout);

        Round(nodes, parameters, neighbours, threshold, dropped, inputs, 0); // warm-up: JIT, AES key schedules
        var rounds = Enumerable.Range(1, repetitions).Select(r => Round(nodes, parameters, neighbours, threshold, dropped, inputs, r)).ToArray();
        var plain = Enumerable.Range(0, repetitions).Select(_ => PlainSum(inputs, parameters)).ToArray();

        var plainSeconds = AggregationRound.Median(plain);
        var mask = AggregationRound.Median([.. rounds.Select(r => r.MaskSeconds)]);
        var unmask = AggregationRound.Median([.. rounds.Select(r => r.UnmaskSeconds)]);
        var server = AggregationRound.Median([.. rounds.Select(r => r.ServerSeconds)]);
        AggregationRound.Print(new Dictionary<string, object>
        {
            ["benchmark"] = "secagg",
            ["nodes"] = nodes,
            ["params"] = parameters,
            ["neighbours"] = neighbours,
            ["threshold"] = threshold,
            ["dropped_after_sharing"] = dropped,
            ["plain_sum_ms"] = Math.Round(plainSeconds * 1000, 3),
            ["node_share_keys_ms"] = Math.Round(AggregationRound.Median([.. rounds.Select(r => r.ShareSeconds)]) * 1000, 3),
            ["node_mask_ms"] = Math.Round(mask * 1000, 3),
            ["node_mask_ratio_to_plain_sum"] = Math.Round(mask / plainSeconds, 2),
            ["server_unmask_ms"] = Math.Round(unmask * 1000, 3),
            ["server_unmask_ratio_to_plain_sum"] = Math.Round(unmask / plainSeconds, 2),
            ["server_total_ms"] = Math.Round(server * 1000, 3),
            ["server_total_ratio_to_plain_sum"] = Math.Round(server / plainSeconds, 2),
            ["node_bytes_sent"] = rounds[0].BytesSent,
            ["node_bytes_received"] = rounds[0].BytesReceived,
            ["plain_bytes_sent"] = 4L * parameters,
        });
        return 0;
    }

    private static RoundTimes Round(int nodes, int parameters, int neighbours, int threshold, int dropped, uint[][] inputs, int round)
    {
        var graphSeed = new byte[32];
        RandomSource.System.Fill(graphSeed);
        var setup = new SecAggRoundSetup(new SecAggContext("bench", round), [.. Enumerable.Range(1, nodes)], threshold, parameters, neighbours, neighbours > 0 ? graphSeed : null);
        var clients = setup.Parties.Select(p => new SecAggClient(setup, p)).ToArray();
        var server = new SecAggServer(setup);
        var serverClock = new Stopwatch();
        var shareTimes = new double[nodes];
        var maskTimes = new List<double>();
        long sent = 0, received = 0;
        try
        {
            foreach (var client in clients)
            {
                var keys = client.AdvertiseKeys();
                serverClock.Start();
                server.ReceiveKeys(keys);
                serverClock.Stop();
            }

            serverClock.Start();
            server.CloseKeyAdvertisement();
            var directories = clients.Select(c => server.DirectoryFor(c.Party)).ToArray();
            serverClock.Stop();
            for (var i = 0; i < nodes; i++)
            {
                var clock = Stopwatch.StartNew();
                var shares = clients[i].ShareKeys(directories[i]);
                shareTimes[i] = clock.Elapsed.TotalSeconds;
                serverClock.Start();
                server.ReceiveSharedKeys(shares);
                serverClock.Stop();
                if (i == nodes - 1)
                {
                    sent += (2 * KeyAgreement.PublicKeyLength) + shares.Shares.Sum(s => s.Ciphertext.Length);
                    received += directories[i].Keys.Count * 2 * KeyAgreement.PublicKeyLength;
                }
            }

            serverClock.Start();
            server.CloseShareKeys();
            serverClock.Stop();
            // The first nodes vanish after sharing; the last one (whose bytes are counted) always survives.
            for (var i = dropped; i < nodes; i++)
            {
                serverClock.Start();
                var inbox = server.InboxFor(clients[i].Party);
                serverClock.Stop();
                var clock = Stopwatch.StartNew();
                var masked = clients[i].MaskInput(inbox, inputs[i]);
                maskTimes.Add(clock.Elapsed.TotalSeconds);
                serverClock.Start();
                server.ReceiveMaskedInput(masked);
                serverClock.Stop();
                if (i == nodes - 1)
                {
                    sent += 4L * masked.Values.Length;
                    received += inbox.Shares.Sum(s => s.Ciphertext.Length);
                }
            }

            serverClock.Start();
            server.CloseMaskedInput();
            var requests = clients[dropped..].Select(c => server.RequestFor(c.Party)).ToArray();
            serverClock.Stop();
            for (var i = 0; i < requests.Length; i++)
            {
                var response = clients[dropped + i].Unmask(requests[i]);
                serverClock.Start();
                server.ReceiveUnmaskResponse(response);
                serverClock.Stop();
                if (i == requests.Length - 1)
                {
                    sent += 32L * (response.SelfMaskShares.Count + response.MaskKeyShares.Count);
                    received += 4L * (requests[i].Survivors.Count + requests[i].Dropped.Count);
                }
            }

            var unmaskClock = Stopwatch.StartNew();
            serverClock.Start();
            GC.KeepAlive(server.Finish());
            serverClock.Stop();
            var unmask = unmaskClock.Elapsed.TotalSeconds;
            return new RoundTimes(AggregationRound.Median(shareTimes), AggregationRound.Median([.. maskTimes]), unmask, serverClock.Elapsed.TotalSeconds, sent, received);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>The reference: the same N vectors summed in Z_{2^32}, as a server without secure aggregation would.</summary>
    private static double PlainSum(uint[][] inputs, int parameters)
    {
        var sum = new uint[parameters];
        var clock = Stopwatch.StartNew();
        foreach (var input in inputs)
        {
            var i = 0;
            for (; i <= parameters - System.Numerics.Vector<uint>.Count; i += System.Numerics.Vector<uint>.Count)
            {
                (new System.Numerics.Vector<uint>(sum, i) + new System.Numerics.Vector<uint>(input, i)).CopyTo(sum, i);
            }

            for (; i < parameters; i++)
            {
                sum[i] += input[i];
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        GC.KeepAlive(sum);
        return seconds;
    }

    private sealed record RoundTimes(double ShareSeconds, double MaskSeconds, double UnmaskSeconds, double ServerSeconds, long BytesSent, long BytesReceived);
}
