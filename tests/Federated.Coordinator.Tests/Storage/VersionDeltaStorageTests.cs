using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Storage;

namespace Federated.Coordinator.Tests.Storage;

public sealed class VersionDeltaStorageTests
{
    private const int Length = 1000;

    [Fact]
    public void CommitRound_FewRowsChanged_StoresADeltaAndLoadsTheVersionBitForBit()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        var version0 = Values(1);
        StoreFixture.AddRun(store, "run-1", version0);
        var version1 = (float[])version0.Clone();
        version1[10] = -0f;
        version1[500] = float.NaN;
        var changes = ParameterChanges.Of(Length, [new ParameterRange(10, 1), new ParameterRange(500, 4)]);

        Commit(store, 1, version1, changes);

        Assert.Equal(0L, database.Raw("SELECT delta_base FROM model_versions WHERE run_id = 'run-1' AND version = 1"));
        Assert.Equal(2L * 8 + (5 * 4), database.Raw("SELECT length(parameters) FROM model_versions WHERE run_id = 'run-1' AND version = 1"));
        AssertBits(version1, store.LoadVersion("run-1", 1));
        AssertBits(version0, store.LoadVersion("run-1", 0));
        Assert.Equal(4L * Length, store.ListVersions("run-1").Single(v => v.Version == 1).ByteSize);
    }

    [Fact]
    public void LoadVersion_ChainOfSparseCommits_RebuildsEveryVersionBitForBit()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        var versions = SparseHistory(store, 40, seed: 3);

        for (var v = 0; v < versions.Count; v++)
        {
            AssertBits(versions[v], store.LoadVersion("run-1", v));
        }

        // Deltas add up to a whole version, then a whole one starts the next chain: some of each were written.
        var whole = (long)database.Raw("SELECT count(*) FROM model_versions WHERE run_id = 'run-1' AND delta_base IS NULL")!;
        Assert.InRange(whole, 2, 20);
    }

    [Fact]
    public void CommitRound_DeltasWouldOutgrowAWholeVersion_WritesItWhole()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        var values = Values(2);
        StoreFixture.AddRun(store, "run-1", values);
        var half = ParameterChanges.Of(Length, [new ParameterRange(0, Length / 2)]);

        Commit(store, 1, values, half);
        Commit(store, 2, values, half);

        Assert.Equal(0L, database.Raw("SELECT delta_base FROM model_versions WHERE run_id = 'run-1' AND version = 1"));
        Assert.Equal(DBNull.Value, database.Raw("SELECT delta_base FROM model_versions WHERE run_id = 'run-1' AND version = 2"));
    }

    [Fact]
    public void CommitRound_PreviousVersionOfAnotherLength_WritesItWhole()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        StoreFixture.AddRun(store, "run-1", new float[Length + 4]);

        Commit(store, 1, Values(4), ParameterChanges.Of(Length, [new ParameterRange(0, 1)]));

        Assert.Equal(DBNull.Value, database.Raw("SELECT delta_base FROM model_versions WHERE run_id = 'run-1' AND version = 1"));
        AssertBits(Values(4), store.LoadVersion("run-1", 1));
    }

    [Fact]
    public void PruneVersions_DeletedVersionADeltaBuildsOn_IsHiddenButStillRebuildsTheKeptOnes()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        var versions = SparseHistory(store, 6, seed: 5);

        var deleted = store.PruneVersions("run-1", 2);

        Assert.Equal(4, deleted);
        Assert.Equal([0L, 5, 6], StoreFixture.Versions(store, "run-1"));
        Assert.Null(store.LoadVersion("run-1", 3));
        Assert.Null(store.LoadStrategyState("run-1", 3));
        Assert.False(store.SetVersionKept("run-1", 3, kept: true));
        AssertBits(versions[5], store.LoadVersion("run-1", 5));
        AssertBits(versions[6], store.LoadVersion("run-1", 6));
        Assert.Equal(4L, database.Raw("SELECT count(*) FROM model_versions WHERE run_id = 'run-1' AND link_only = 1"));
    }

    [Fact]
    public void PruneVersions_LinksNoKeptVersionNeeds_AreDeleted()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        var values = Values(6);
        StoreFixture.AddRun(store, "run-1", values);
        var current = values;
        for (var v = 1; v <= 4; v++)
        {
            current = (float[])current.Clone();
            current[v] = v;
            Commit(store, v, current, ParameterChanges.Of(Length, [new ParameterRange(v, 1)]));
        }

        // Version 5 is whole, so nothing after it needs versions 1-4 any more.
        current = (float[])current.Clone();
        current[5] = 5;
        Commit(store, 5, current, null);
        store.PruneVersions("run-1", 1);

        Assert.Equal([0L, 5], StoreFixture.Versions(store, "run-1"));
        Assert.Equal(2L, database.Raw("SELECT count(*) FROM model_versions WHERE run_id = 'run-1'"));
        AssertBits(current, store.LoadVersion("run-1", 5));
    }

    [Fact]
    public void PruneVersions_KeptDeltaVersion_KeepsItsChainUntilTheMarkIsCleared()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        var versions = SparseHistory(store, 8, seed: 7);
        Assert.True(store.SetVersionKept("run-1", 3, kept: true));

        store.PruneVersions("run-1", 1);
        AssertBits(versions[3], store.LoadVersion("run-1", 3));
        Assert.Equal([0L, 3, 8], StoreFixture.Versions(store, "run-1"));

        Assert.True(store.SetVersionKept("run-1", 3, kept: false));
        store.PruneVersions("run-1", 1);
        Assert.Equal([0L, 8], StoreFixture.Versions(store, "run-1"));
        AssertBits(versions[8], store.LoadVersion("run-1", 8));
    }

    [Fact]
    public void Open_FileAtSchemaVersion5_AddsTheDeltaColumnsAndKeepsEveryVersion()
    {
        using var database = new TempDatabase();
        LegacyDatabase.Create(database);

        // The file as the previous coordinator left it: steps 1 to 5 applied, user_version 5.
        database.Raw("""
            UPDATE runs SET status = lower(status);
            UPDATE rounds SET state = lower(state);
            ALTER TABLE model_versions ADD COLUMN kept INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE model_versions ADD COLUMN strategy_state BLOB;
            ALTER TABLE rounds ADD COLUMN released TEXT NOT NULL DEFAULT '';
            CREATE TABLE node_runs (node_id TEXT NOT NULL, run_id TEXT NOT NULL, last_seen_ms INTEGER NOT NULL, PRIMARY KEY (node_id, run_id));
            PRAGMA user_version = 5;
            """);

        using (var store = new SqliteStore(database.Path))
        {
            Assert.Equal(SchemaMigrations.LatestVersion - 5, store.MigrationsApplied);
            Assert.Equal(LegacyDatabase.Run1Version1, store.LoadVersion("run-1", 1));
            Assert.Equal(LegacyDatabase.Run1Version2, store.LoadVersion("run-1", 2));
            Assert.Equal([16L, 16, 16], store.ListVersions("run-1").Select(v => v.ByteSize));

            // The migrated file takes a delta over a version written before it, and rebuilds it.
            var version3 = (float[])LegacyDatabase.Run1Version2.Clone();
            version3[1] = 9f;
            Commit(store, 3, version3, ParameterChanges.Of(version3.Length, [new ParameterRange(1, 1)]));
            Assert.Equal(2L, database.Raw("SELECT delta_base FROM model_versions WHERE run_id = 'run-1' AND version = 3"));
            Assert.Equal(version3, store.LoadVersion("run-1", 3));
        }

        Assert.Equal(SchemaMigrations.LatestVersion, database.UserVersion());
    }

    /// <summary>A run with versions 0..<paramref name="last"/>, each changing a few random rows of 10 floats (sometimes half the model); returns every version.</summary>
    private static List<float[]> SparseHistory(SqliteStore store, int last, int seed)
    {
        var random = new MathNet.Numerics.Random.Xoshiro256StarStar(seed, threadSafe: false);
        var versions = new List<float[]> { Values(seed) };
        StoreFixture.AddRun(store, "run-1", versions[0]);
        for (var v = 1; v <= last; v++)
        {
            var next = (float[])versions[^1].Clone();
            var ranges = new List<ParameterRange>();
            var rows = v % 7 == 0 ? 50 : random.Next(1, 6);
            for (var k = 0; k < rows; k++)
            {
                var row = random.Next(Length / 10);
                for (var c = 0; c < 10; c++)
                {
                    next[(row * 10) + c] = (float)random.NextDouble();
                }

                ranges.Add(new ParameterRange(row * 10, 10));
            }

            Commit(store, v, next, ParameterChanges.Of(Length, ranges));
            versions.Add(next);
        }

        return versions;
    }

    private static void Commit(SqliteStore store, long version, float[] parameters, ParameterChanges? changes)
    {
        var round = new StoredRound("run-1", version, version - 1, RoundState.Committed, ["n1"], StoreFixture.Start, StoreFixture.Start.AddMinutes(1), StoreFixture.Start.AddSeconds(30), 1, version);
        store.CommitRound(round, version, parameters, [], RunStatus.Running, [(byte)version], changes);
    }

    private static float[] Values(int seed)
    {
        var random = new MathNet.Numerics.Random.Xoshiro256StarStar(seed, threadSafe: false);
        return [.. Enumerable.Range(0, Length).Select(_ => (float)random.NextDouble())];
    }

    private static void AssertBits(float[] expected, float[]? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
    }
}
