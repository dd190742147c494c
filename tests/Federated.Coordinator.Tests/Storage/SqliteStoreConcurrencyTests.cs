using Federated.Coordinator.Rounds;
using Federated.Coordinator.Storage;

namespace Federated.Coordinator.Tests.Storage;

public sealed class SqliteStoreConcurrencyTests
{
    [Fact]
    public async Task CommitRound_ManyRunsFromParallelThreads_EveryRunHasAllItsVersions()
    {
        const int Runs = 4;
        const int Rounds = 25;
        using var database = new TempDatabase();
        using var store = new SqliteStore(database.Path);
        for (var r = 0; r < Runs; r++)
        {
            StoreFixture.AddRun(store, $"run-{r}", [r]);
        }

        // Each run is driven by its own thread, interleaving writes and reads as the engine does outside its locks.
        await Task.WhenAll(Enumerable.Range(0, Runs).Select(r => Task.Run(() =>
        {
            var runId = $"run-{r}";
            for (var round = 1; round <= Rounds; round++)
            {
                store.InsertUpload(runId, round, "n1", $"u{round}", 10, StoreFixture.Start);
                Assert.Equal($"u{round}", store.FindUpload(runId, round, "n1"));
                StoreFixture.Commit(store, runId, round, [r, round]);
                store.SaveMetric(new StoredMetric(runId, round, round, "click", "eval", [round]));
                Assert.NotNull(store.LoadVersion(runId, round - 1));
            }
        })));

        for (var r = 0; r < Runs; r++)
        {
            var runId = $"run-{r}";
            Assert.Equal(Rounds, store.LoadRuns().Single(x => x.Id == runId).ModelVersion);
            Assert.Equal(Enumerable.Range(0, Rounds + 1).Select(v => (long)v), StoreFixture.Versions(store, runId));
            Assert.Equal(new float[] { r, Rounds }, store.LoadVersion(runId, Rounds));
            Assert.Equal(Rounds, store.LoadMetrics(runId).Count);
            Assert.All(store.LoadRounds(runId), round => Assert.Equal(RoundState.Committed, round.State));
        }
    }
}
