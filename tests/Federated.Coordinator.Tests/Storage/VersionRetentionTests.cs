using Federated.Coordinator.Storage;

namespace Federated.Coordinator.Tests.Storage;

public sealed class VersionRetentionTests
{
    [Fact]
    public void PruneVersions_KeepLastTwo_KeepsVersionZeroAndTheNewestTwo()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        StoreFixture.AddRunWithVersions(store, "run-1", 6);

        var deleted = store.PruneVersions("run-1", 2);

        Assert.Equal(4, deleted);
        Assert.Equal([0L, 5, 6], StoreFixture.Versions(store, "run-1"));
        Assert.Null(store.LoadVersion("run-1", 3));
        Assert.Equal(new float[] { 6f, 6f, 6f, 6f, 6f, 6f, 6f }, store.LoadVersion("run-1", 6));
    }

    [Fact]
    public void PruneVersions_KeepLastOne_NeverDeletesVersionZero()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        StoreFixture.AddRunWithVersions(store, "run-1", 3);

        Assert.Equal(2, store.PruneVersions("run-1", 1));

        Assert.Equal([0L, 3], StoreFixture.Versions(store, "run-1"));
        Assert.Equal(new float[] { 0f }, store.LoadVersion("run-1", 0));
    }

    [Fact]
    public void PruneVersions_MarkedVersions_AreKeptOutsideTheNewest()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        StoreFixture.AddRunWithVersions(store, "run-1", 6);
        Assert.True(store.SetVersionKept("run-1", 2, kept: true));
        Assert.True(store.SetVersionKept("run-1", 6, kept: true));

        var deleted = store.PruneVersions("run-1", 2);

        Assert.Equal(3, deleted);
        Assert.Equal([0L, 2, 5, 6], StoreFixture.Versions(store, "run-1"));
        Assert.Equal(new float[] { 2f, 2f, 2f }, store.LoadVersion("run-1", 2));
    }

    [Fact]
    public void PruneVersions_MarkCleared_VersionIsPrunable()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        StoreFixture.AddRunWithVersions(store, "run-1", 4);
        store.SetVersionKept("run-1", 1, kept: true);
        Assert.True(store.SetVersionKept("run-1", 1, kept: false));

        Assert.Equal(3, store.PruneVersions("run-1", 1));

        Assert.Equal([0L, 4], StoreFixture.Versions(store, "run-1"));
    }

    [Fact]
    public void PruneVersions_KeepLastAtLeastTheCount_DeletesNothing()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        StoreFixture.AddRunWithVersions(store, "run-1", 3);

        Assert.Equal(0, store.PruneVersions("run-1", 3));
        Assert.Equal(0, store.PruneVersions("run-1", 10));

        Assert.Equal([0L, 1, 2, 3], StoreFixture.Versions(store, "run-1"));
    }

    [Fact]
    public void PruneVersions_Twice_SecondDeletesNothing()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        StoreFixture.AddRunWithVersions(store, "run-1", 5);

        Assert.Equal(3, store.PruneVersions("run-1", 2));
        Assert.Equal(0, store.PruneVersions("run-1", 2));
    }

    [Fact]
    public void PruneVersions_OneRun_LeavesOtherRunsAlone()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        StoreFixture.AddRunWithVersions(store, "run-1", 4);
        StoreFixture.AddRunWithVersions(store, "run-2", 4);

        Assert.Equal(3, store.PruneVersions("run-1", 1));

        Assert.Equal([0L, 1, 2, 3, 4], StoreFixture.Versions(store, "run-2"));
        Assert.Equal(0, store.PruneVersions("run-3", 1));
    }

    [Fact]
    public void PruneVersions_KeepLastBelowOne_Throws()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        StoreFixture.AddRunWithVersions(store, "run-1", 2);

        Assert.Throws<ArgumentOutOfRangeException>(() => store.PruneVersions("run-1", 0));

        Assert.Equal([0L, 1, 2], StoreFixture.Versions(store, "run-1"));
    }

    [Fact]
    public void PruneVersions_PrunedVersion_RoundStillKnownFromItsCommittedRound()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        StoreFixture.AddRunWithVersions(store, "run-1", 3);

        store.PruneVersions("run-1", 1);

        Assert.Null(store.LoadVersion("run-1", 2));
        Assert.Equal(2, store.RoundOfVersion("run-1", 2));
        Assert.Equal(0, store.RoundOfVersion("run-1", 0));
        Assert.Null(store.RoundOfVersion("run-1", 9));
    }

    [Fact]
    public void SetVersionKept_UnknownVersionOrRun_ReturnsFalse()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        StoreFixture.AddRunWithVersions(store, "run-1", 2);

        Assert.False(store.SetVersionKept("run-1", 3, kept: true));
        Assert.False(store.SetVersionKept("run-2", 1, kept: true));
        Assert.All(store.ListVersions("run-1"), v => Assert.False(v.Kept));
    }

    [Fact]
    public void SetVersionKept_PersistsAcrossReopen()
    {
        using var database = new TempDatabase();
        using (var store = new SqliteStore(database.Path))
        {
            StoreFixture.AddRunWithVersions(store, "run-1", 3);
            store.SetVersionKept("run-1", 1, kept: true);
        }

        using var reopened = new SqliteStore(database.Path);

        Assert.Equal([false, true, false, false], reopened.ListVersions("run-1").Select(v => v.Kept));
    }

    [Fact]
    public void ListVersions_BlobsOfDifferentLengths_ReportsEachByteSizeAndRound()
    {
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        StoreFixture.AddRunWithVersions(store, "run-1", 3);

        var versions = store.ListVersions("run-1");

        Assert.Equal([4L, 8, 12, 16], versions.Select(v => v.ByteSize));
        Assert.Equal([0L, 1, 2, 3], versions.Select(v => v.Round));
        Assert.Equal(StoreFixture.Start, versions[0].CreatedAt);
        Assert.Equal(StoreFixture.Start.AddMinutes(2).AddSeconds(30), versions[2].CreatedAt);
        Assert.Empty(store.ListVersions("run-2"));
    }
}
