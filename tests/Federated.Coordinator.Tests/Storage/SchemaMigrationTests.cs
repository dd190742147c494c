using Federated.Coordinator.Rounds;
using Federated.Coordinator.Storage;

namespace Federated.Coordinator.Tests.Storage;

public sealed class SchemaMigrationTests
{
    [Fact]
    public void Open_UnversionedFileOfTodaysSchema_MigratesAndReadsBackEveryRow()
    {
        using var database = new TempDatabase();
        LegacyDatabase.Create(database);
        Assert.Equal(0, database.UserVersion());

        using (var store = new SqliteStore(database.Path))
        {
            Assert.Equal(SchemaMigrations.LatestVersion, store.MigrationsApplied);
            AssertLegacyContent(store);
        }

        Assert.Equal(SchemaMigrations.LatestVersion, database.UserVersion());
    }

    [Fact]
    public void Open_UnversionedFile_RewritesEnumTextToStableLowerCaseNames()
    {
        using var database = new TempDatabase();
        LegacyDatabase.Create(database);

        using (new SqliteStore(database.Path))
        {
        }

        Assert.Equal("running,paused,completed,stopped,failed", database.Raw("SELECT group_concat(status, ',') FROM (SELECT status FROM runs ORDER BY seq)"));
        Assert.Equal("committed,failed,committed,open,abandoned", database.Raw("SELECT group_concat(state, ',') FROM (SELECT state FROM rounds ORDER BY run_id, round)"));
    }

    [Fact]
    public void Open_MigratedFileAgain_RunsNoStepAndReadsTheSameRows()
    {
        using var database = new TempDatabase();
        LegacyDatabase.Create(database);
        using (new SqliteStore(database.Path))
        {
        }

        using var reopened = new SqliteStore(database.Path);

        Assert.Equal(0, reopened.MigrationsApplied);
        Assert.Equal(SchemaMigrations.LatestVersion, database.UserVersion());
        AssertLegacyContent(reopened);
    }

    [Fact]
    public void Open_NewFile_CreatesLatestSchemaThatStoresAndReadsARun()
    {
        using var database = new TempDatabase();
        var run = new StoredRun("run-1", "fresh", "{}", RunStatus.Running, 0, 0, DateTimeOffset.FromUnixTimeMilliseconds(1_000), "");

        using (var store = new SqliteStore(database.Path))
        {
            Assert.Equal(SchemaMigrations.LatestVersion, store.MigrationsApplied);
            store.InsertRun(run, store.NextRunSequence(), [1f, 2f]);
        }

        using var reopened = new SqliteStore(database.Path);
        Assert.Equal(0, reopened.MigrationsApplied);
        Assert.Equal([run], reopened.LoadRuns());
        Assert.Equal(new float[] { 1f, 2f }, reopened.LoadVersion("run-1", 0));
    }

    [Fact]
    public void Open_InMemory_MigratesToLatest()
    {
        using var store = new SqliteStore(":memory:");

        Assert.Equal(SchemaMigrations.LatestVersion, store.MigrationsApplied);
        Assert.Empty(store.LoadRuns());
    }

    [Fact]
    public void Open_FileWithNewerSchemaVersion_IsRefusedNamingBothVersionsAndLeftUntouched()
    {
        using var database = new TempDatabase();
        var newer = SchemaMigrations.LatestVersion + 1;
        database.Raw($"CREATE TABLE future (x INTEGER); PRAGMA user_version = {newer};");

        var error = Assert.Throws<SchemaVersionException>(() => new SqliteStore(database.Path));

        Assert.Equal(newer, error.FileVersion);
        Assert.Equal(SchemaMigrations.LatestVersion, error.LatestKnownVersion);
        Assert.Contains($"schema version {newer}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"versions 0 to {SchemaMigrations.LatestVersion}", error.Message, StringComparison.Ordinal);
        Assert.Contains(database.Path, error.Message, StringComparison.Ordinal);
        Assert.Equal(newer, database.UserVersion());
        Assert.Equal(0L, database.Raw("SELECT count(*) FROM sqlite_master WHERE name = 'runs'"));
    }

    [Fact]
    public void Open_UnversionedFileWithUnknownStatusText_FailsOnReadNamingTheValue()
    {
        using var database = new TempDatabase();
        database.Raw(LegacyDatabase.Schema + "INSERT INTO runs VALUES ('run-1', 1, 'x', '{}', 'Sleeping', 0, 0, 0, '');");
        using var store = new SqliteStore(database.Path);

        var error = Assert.Throws<InvalidDataException>(() => store.LoadRuns());

        Assert.Contains("'Sleeping'", error.Message, StringComparison.Ordinal);
    }

    private static void AssertLegacyContent(SqliteStore store)
    {
        Assert.Equal(LegacyDatabase.Runs, store.LoadRuns());
        Assert.Equal(6, store.NextRunSequence());

        var rounds = store.LoadRounds("run-1");
        Assert.Equal(LegacyDatabase.Run1Rounds.Length, rounds.Count);
        for (var i = 0; i < rounds.Count; i++)
        {
            LegacyDatabase.AssertRound(LegacyDatabase.Run1Rounds[i], rounds[i]);
        }

        LegacyDatabase.AssertRound(LegacyDatabase.Run4Round, Assert.Single(store.LoadRounds("run-4")));
        Assert.Empty(store.LoadRounds("run-2"));

        Assert.Equal(LegacyDatabase.Run1Version0, store.LoadVersion("run-1", 0));
        Assert.Equal(LegacyDatabase.Run1Version1, store.LoadVersion("run-1", 1));
        Assert.Equal(LegacyDatabase.Run1Version2, store.LoadVersion("run-1", 2));
        Assert.Equal(LegacyDatabase.Run3Version0, store.LoadVersion("run-3", 0));
        Assert.Null(store.LoadVersion("run-1", 3));
        Assert.Equal(3, store.RoundOfVersion("run-1", 2));
        Assert.Equal(
            [new StoredVersion(0, 0, DateTimeOffset.FromUnixTimeMilliseconds(1735787045000), false, 16),
             new StoredVersion(1, 1, DateTimeOffset.FromUnixTimeMilliseconds(1735787080000), false, 16),
             new StoredVersion(2, 3, DateTimeOffset.FromUnixTimeMilliseconds(1735787200000), false, 16)],
            store.ListVersions("run-1"));
        Assert.Equal([new StoredVersion(0, 0, DateTimeOffset.FromUnixTimeMilliseconds(1735787047000), false, 8)], store.ListVersions("run-3"));

        var metrics = store.LoadMetrics("run-1");
        Assert.Equal(2, metrics.Count);
        Assert.Equal(("run-1", 1L, 1L, "click", "eval"), (metrics[0].RunId, metrics[0].Round, metrics[0].ModelVersion, metrics[0].Task, metrics[0].Kind));
        Assert.Equal(LegacyDatabase.EvalClick, metrics[0].Summary);
        Assert.Equal(("run-1", 1L, 0L, "click", "train"), (metrics[1].RunId, metrics[1].Round, metrics[1].ModelVersion, metrics[1].Task, metrics[1].Kind));
        Assert.Equal(LegacyDatabase.TrainClick, metrics[1].Summary);
        Assert.Equal(LegacyDatabase.TrainClick, store.LoadMetric("run-1", "train", 1, "click"));

        Assert.Equal("upload-7", store.FindUpload("run-1", 4, "n1"));
        Assert.Null(store.FindUpload("run-1", 4, "n3"));
        Assert.False(store.TryInsertEvaluation("run-1", 1, "n2"));

        Assert.Equal(LegacyDatabase.Nodes, store.LoadNodes());
        Assert.Equal(LegacyDatabase.Nodes[1], store.FindNodeByTokenHash("bb22"));
        Assert.Equal(LegacyDatabase.Nodes[0], store.FindNode("n1"));
    }
}
