using Federated.Coordinator.Storage;

namespace Federated.Coordinator.Tests.Storage;

public sealed class StrategyStateStorageTests
{
    [Fact]
    public void Open_FileAtSchemaVersion3_AddsTheStrategyStateColumnAndKeepsEveryVersion()
    {
        using var database = new TempDatabase();
        LegacyDatabase.Create(database);

        // The file as the previous coordinator left it: steps 1 to 3 applied, user_version 3.
        database.Raw("""
            UPDATE runs SET status = lower(status);
            UPDATE rounds SET state = lower(state);
            ALTER TABLE model_versions ADD COLUMN kept INTEGER NOT NULL DEFAULT 0;
            UPDATE model_versions SET kept = 1 WHERE run_id = 'run-1' AND version = 1;
            PRAGMA user_version = 3;
            """);

        using (var store = new SqliteStore(database.Path))
        {
            Assert.Equal(SchemaMigrations.LatestVersion - 3, store.MigrationsApplied);
            Assert.Equal(LegacyDatabase.Run1Version2, store.LoadVersion("run-1", 2));
            Assert.Null(store.LoadStrategyState("run-1", 2));
            Assert.Equal([false, true, false], store.ListVersions("run-1").Select(v => v.Kept));
            Assert.Equal(LegacyDatabase.Runs, store.LoadRuns());

            // The migrated file takes a version with state.
            StoreFixture.Commit(store, "run-1", 3, [1f], [7, 8, 9]);
            Assert.Equal(new byte[] { 7, 8, 9 }, store.LoadStrategyState("run-1", 3));
        }

        Assert.Equal(SchemaMigrations.LatestVersion, database.UserVersion());
    }

    [Fact]
    public void CommitRound_WithStrategyState_ReadsItBackPerVersion()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        StoreFixture.AddRun(store, "run-1", [0f]);

        StoreFixture.Commit(store, "run-1", 1, [1f], [1, 1]);
        StoreFixture.Commit(store, "run-1", 2, [2f], [2, 2, 2]);
        StoreFixture.Commit(store, "run-1", 3, [3f]);

        Assert.Null(store.LoadStrategyState("run-1", 0));
        Assert.Equal(new byte[] { 1, 1 }, store.LoadStrategyState("run-1", 1));
        Assert.Equal(new byte[] { 2, 2, 2 }, store.LoadStrategyState("run-1", 2));
        Assert.Null(store.LoadStrategyState("run-1", 3));
        Assert.Null(store.LoadStrategyState("run-1", 4));
        Assert.Null(store.LoadStrategyState("run-2", 1));
    }

    [Fact]
    public void PruneVersions_VersionWithStrategyState_DeletesTheStateWithIt()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        StoreFixture.AddRun(store, "run-1", [0f]);
        for (var v = 1; v <= 4; v++)
        {
            StoreFixture.Commit(store, "run-1", v, [v], [(byte)v]);
        }

        store.SetVersionKept("run-1", 2, true);

        Assert.Equal(1, store.PruneVersions("run-1", 2));

        Assert.Null(store.LoadStrategyState("run-1", 1));
        Assert.Equal(new byte[] { 2 }, store.LoadStrategyState("run-1", 2));
        Assert.Equal(new byte[] { 4 }, store.LoadStrategyState("run-1", 4));
        Assert.Equal(0L, database.Raw("SELECT count(*) FROM model_versions WHERE version = 1"));
    }
}
