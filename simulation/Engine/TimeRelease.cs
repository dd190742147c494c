using Federated.Client.Data;
using Federated.Client.Training;

namespace Federated.Simulation.Engine;

/// <summary>
/// Data that arrives over time (<see cref="SimulationOptions.ReleaseByTime"/> = K): in round r each client trains on the
/// earliest ⌈min(r, K)·n/K⌉ of its n training rows by timestamp (ties in table order), the r/K-quantile of its own
/// clock, so every client has at least one row from round 1 and all of them from round K on. Validation and test rows
/// never change, so every round is scored on the same rows and the curves show what the arriving data is worth.
/// </summary>
/// <remarks>
/// A per-client quantile rather than one global clock: under a global clock a client whose data all lies late would have
/// no row to train on in early rounds, yet it is selected and must answer. The centralised reference trains in round r on
/// the union of what the clients hold in round r. Numeric standardisation and data-initialised output biases keep the
/// statistics of all training rows (a simulation shortcut; a node refits them as its data grows, see
/// <c>client run --watch-data</c>).
/// </remarks>
internal sealed class TimeRelease
{
    private readonly int _rounds;
    private readonly int[][] _byTime;
    private readonly int[] _offsets;

    /// <summary>Orders every client's training rows by time.</summary>
    /// <param name="clients">The clients; their data must carry timestamps.</param>
    /// <param name="rounds">K ≥ 1: the round from which all training rows are released.</param>
    /// <exception cref="ArgumentException">The data has no timestamps (the message names the option).</exception>
    public TimeRelease(VirtualClients clients, int rounds)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        if (!clients.Data.Schema.HasTime)
        {
            throw new ArgumentException($"--release-by-time {rounds}: the data '{clients.Data.Name}' has no timestamps to release it by (MovieLens has; a CSV needs a time column in its schema)");
        }

        _rounds = rounds;
        _byTime = new int[clients.Count][];
        _offsets = new int[clients.Count];
        for (var c = 0; c < clients.Count; c++)
        {
            var table = clients.Datasets[c].Table;
            var train = clients.Datasets[c].Split.Train.ToArray();
            Array.Sort(train, (a, b) => table.Time(a).CompareTo(table.Time(b)) is var order && order != 0 ? order : a.CompareTo(b));
            _byTime[c] = train;
            _offsets[c] = c == 0 ? 0 : _offsets[c - 1] + clients.Examples[c - 1].Length;
        }
    }

    /// <summary>Client c's training rows released in <paramref name="round"/> (≥ 1), ascending.</summary>
    public int[] TrainRows(int c, int round)
    {
        var all = _byTime[c];
        var count = (int)Math.Ceiling((double)Math.Min(round, _rounds) * all.Length / _rounds);
        var rows = all.AsSpan(0, count).ToArray();
        Array.Sort(rows);
        return rows;
    }

    /// <summary>
    /// <paramref name="client"/> (client c) holding only the rows released in <paramref name="round"/>, with its own
    /// local state and seed; <paramref name="client"/> itself once everything is released.
    /// </summary>
    public LocalClient Client(LocalClient client, int c, int round)
    {
        ArgumentNullException.ThrowIfNull(client);
        return round >= _rounds ? client : Restricted(client, TrainRows(c, round));
    }

    /// <summary>
    /// The centralised reference's client (over the pooled table, the clients' rows one client after another) holding
    /// the union of the clients' rows released in <paramref name="round"/>.
    /// </summary>
    public LocalClient Pooled(LocalClient pooled, int round)
    {
        ArgumentNullException.ThrowIfNull(pooled);
        if (round >= _rounds)
        {
            return pooled;
        }

        var rows = new List<int>();
        for (var c = 0; c < _byTime.Length; c++)
        {
            rows.AddRange(TrainRows(c, round).Select(r => _offsets[c] + r));
        }

        return Restricted(pooled, [.. rows]);
    }

    private static LocalClient Restricted(LocalClient client, int[] train)
    {
        var data = client.Data;
        var split = new DataSplit(train, data.Split.Validation, data.Split.Test);
        return new LocalClient(new NodeDataset(data.Table, split, data.Standardizer), client.State, client.Seed);
    }
}
