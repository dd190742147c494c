using Federated.Coordinator.Rounds;
using Federated.Coordinator.Storage;

namespace Federated.Coordinator.Tests.Storage;

/// <summary>Arranges runs and committed versions in a store the way the engine writes them.</summary>
internal static class StoreFixture
{
    public static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_735_787_045_000);

    /// <summary>Inserts a running run whose version 0 is <paramref name="initial"/>.</summary>
    public static StoredRun AddRun(SqliteStore store, string runId, float[] initial)
    {
        var run = new StoredRun(runId, runId, "{}", RunStatus.Running, 0, 0, Start, "");
        store.InsertRun(run, store.NextRunSequence(), initial);
        return run;
    }

    /// <summary>Commits round <paramref name="round"/> of a run as version <paramref name="round"/>, with <paramref name="parameters"/> and an optional strategy state.</summary>
    public static void Commit(SqliteStore store, string runId, long round, float[] parameters, byte[]? strategyState = null)
    {
        var stored = new StoredRound(runId, round, round - 1, RoundState.Committed, ["n1"], Start.AddMinutes(round), Start.AddMinutes(round + 1), Start.AddMinutes(round).AddSeconds(30), 1, round);
        store.CommitRound(stored, round, parameters, [], RunStatus.Running, strategyState);
    }

    /// <summary>A run with versions 0 to <paramref name="last"/>, version v holding v + 1 floats all equal to v.</summary>
    public static void AddRunWithVersions(SqliteStore store, string runId, int last)
    {
        AddRun(store, runId, [0f]);
        for (var v = 1; v <= last; v++)
        {
            Commit(store, runId, v, Enumerable.Repeat((float)v, v + 1).ToArray());
        }
    }

    /// <summary>The version numbers a run has stored, oldest first.</summary>
    public static long[] Versions(SqliteStore store, string runId) => store.ListVersions(runId).Select(v => v.Version).ToArray();
}
