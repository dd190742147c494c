using Federated.Coordinator.Rounds;
using Federated.Coordinator.Storage;

namespace Federated.Coordinator.Tests.Storage;

public sealed class ReadConnectionTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"reads-{Guid.NewGuid():N}.db");

    [Fact]
    public async Task FindNode_WhileAWriteHoldsTheStore_AnswersFromTheLastCommittedState()
    {
        using var store = new SqliteStore(_path);
        store.UpsertNode("a", "hash-a", DateTimeOffset.UnixEpoch);
        store.InsertRun(new StoredRun("run-1", "r", "{}", RunStatus.Running, 0, 0, DateTimeOffset.UnixEpoch, ""), 1, new float[] { 1, 2, 3 });
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var writer = Task.Factory.StartNew(
            () =>
            {
                lock (store.WriteGate)
                {
                    entered.Set();
                    release.Wait(TimeSpan.FromSeconds(30));
                }
            },
            TaskCreationOptions.LongRunning);
        entered.Wait(TimeSpan.FromSeconds(30));
        try
        {
            Assert.Equal("hash-a", store.FindNode("a")?.TokenHash);
            Assert.Equal(new float[] { 1, 2, 3 }, store.LoadVersion("run-1", 0));
            Assert.Single(store.LoadRuns());
            Assert.False(writer.IsCompleted);
        }
        finally
        {
            release.Set();
        }

        await writer;
        store.RevokeNode("a");
        Assert.True(store.FindNode("a")?.Revoked);
    }

    public void Dispose()
    {
        foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(_path) + "*"))
        {
            File.Delete(file);
        }
    }
}
