using Federated.Coordinator.Rounds;
using Federated.Coordinator.Storage;

namespace Federated.Coordinator.Tests.Storage;

public sealed class StoredNamesTests
{
    [Fact]
    public void Of_RunStatuses_AreTheFixedLowerCaseNames()
    {
        Assert.Equal(
            ["running", "paused", "completed", "stopped", "failed"],
            Enum.GetValues<RunStatus>().Select(StoredNames.Of));
    }

    [Fact]
    public void Of_RoundStates_AreTheFixedLowerCaseNames()
    {
        Assert.Equal(
            ["open", "committed", "failed", "abandoned"],
            Enum.GetValues<RoundState>().Select(StoredNames.Of));
    }

    [Fact]
    public void ParseRunStatus_OldToStringText_IsRejected()
    {
        Assert.Throws<InvalidDataException>(() => StoredNames.ParseRunStatus("Running"));
        Assert.Throws<InvalidDataException>(() => StoredNames.ParseRoundState("Committed"));
    }

    [Fact]
    public void UpdateRun_EveryRunStatus_RoundTripsThroughTheFile()
    {
        using var database = new TempDatabase();
        foreach (var status in Enum.GetValues<RunStatus>())
        {
            using (var store = new SqliteStore(database.Path))
            {
                if (store.LoadRuns().Count == 0)
                {
                    StoreFixture.AddRun(store, "run-1", [1f]);
                }

                store.UpdateRun("run-1", status, 2, "why");
            }

            using var reopened = new SqliteStore(database.Path);
            var run = Assert.Single(reopened.LoadRuns());
            Assert.Equal((status, 2, "why"), (run.Status, run.ConsecutiveFailures, run.Message));
            Assert.Equal(StoredNames.Of(status), database.Raw("SELECT status FROM runs"));
        }
    }

    [Fact]
    public void InsertRun_EveryRunStatus_RoundTrips()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        var expected = Enum.GetValues<RunStatus>()
            .Select((status, i) => new StoredRun($"run-{i + 1}", $"r{i}", "{}", status, 0, i, StoreFixture.Start.AddSeconds(i), $"m{i}"))
            .ToArray();

        foreach (var run in expected)
        {
            store.InsertRun(run, store.NextRunSequence(), [0.5f]);
        }

        Assert.Equal(expected, store.LoadRuns());
    }

    [Fact]
    public void SaveRound_EveryRoundState_RoundTrips()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        StoreFixture.AddRun(store, "run-1", [0f]);
        var expected = Enum.GetValues<RoundState>()
            .Select((state, i) => new StoredRound("run-1", i + 1, i, state, ["a", "b"], StoreFixture.Start, StoreFixture.Start.AddMinutes(1), state == RoundState.Open ? null : StoreFixture.Start.AddSeconds(10), i, state == RoundState.Committed ? i + 1 : null))
            .ToArray();

        foreach (var round in expected)
        {
            store.SaveRound(round);
        }

        var rounds = store.LoadRounds("run-1");
        Assert.Equal(expected.Length, rounds.Count);
        for (var i = 0; i < rounds.Count; i++)
        {
            LegacyDatabase.AssertRound(expected[i], rounds[i]);
        }
    }

    [Fact]
    public void CommitRound_EveryRunStatus_StoresItsName()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        StoreFixture.AddRun(store, "run-1", [0f]);
        var round = 1;
        foreach (var status in Enum.GetValues<RunStatus>())
        {
            var stored = new StoredRound("run-1", round, round - 1, RoundState.Committed, ["n1"], StoreFixture.Start, StoreFixture.Start.AddMinutes(1), StoreFixture.Start.AddSeconds(5), 1, round);
            store.CommitRound(stored, round, [round], [], status);

            var run = Assert.Single(store.LoadRuns());
            Assert.Equal((status, (long)round), (run.Status, run.ModelVersion));
            round++;
        }
    }
}
