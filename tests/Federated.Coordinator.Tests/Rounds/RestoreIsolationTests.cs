using Federated.Coordinator.Rounds;
using Federated.Coordinator.Storage;
using Federated.Coordinator.Tests.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Federated.Coordinator.Tests.Rounds;

/// <summary>A run whose stored state cannot be read back fails on its own at restart; the other runs resume.</summary>
public sealed class RestoreIsolationTests
{
    [Fact]
    public void Restore_OneRunsStrategyStateUnreadable_ThatRunFailsAndTheOtherResumes()
    {
        using var database = new TempDatabase();
        string broken;
        string healthy;
        using (var sqlite = new SqliteStore(database.Path))
        {
            using var fixture = new EngineFixture(sqlite: sqlite);
            var fedadam = TestSpecs.RunConfig(minClients: 1, rounds: 3)
                .Replace("\"strategy\": { \"name\": \"fedavg\" }", "\"strategy\": { \"name\": \"fedadam\" }", StringComparison.Ordinal);
            broken = fixture.StartRun(fedadam, "a");
            healthy = fixture.StartRun(TestSpecs.RunConfig(minClients: 1, rounds: 3), "b");
            fixture.Engine.SubmitUpdate(null, fixture.Update(broken, "a", 0.01f));
            fixture.Engine.SubmitUpdate(null, fixture.Update(healthy, "b", 0.01f));
        }

        // The moments stored with the fedadam run's version 1 are damaged (a format this build does not know).
        database.Raw("UPDATE model_versions SET strategy_state = x'09' WHERE run_id = $run AND version = 1", ("$run", broken));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        using var reopened = new SqliteStore(database.Path);
        var engine = new RoundEngine(reopened, new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 1, 0, TimeSpan.Zero)));
        engine.Restore();

        var failed = engine.GetRun(broken);
        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Contains("could not be restored", failed.Message, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Failed, reopened.LoadRuns().Single(r => r.Id == broken).Status);
        Assert.DoesNotContain(reopened.LoadRounds(broken), r => r.State == RoundState.Open);

        var resumed = engine.GetRun(healthy);
        Assert.Equal((RunStatus.Running, 1L), (resumed.Status, resumed.ModelVersion));
        Assert.Equal(2, engine.PollAssignment("b", healthy).Assignment?.Round);
    }
}
