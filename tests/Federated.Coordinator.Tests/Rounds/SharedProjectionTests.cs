using Federated.Coordinator.Rounds;
using Federated.Coordinator.Runs;
using Federated.Coordinator.Storage;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Coordinator.Tests.Rounds;

/// <summary>The coordinator holds, stores and serves the shared projection of a run's model only.</summary>
public sealed class SharedProjectionTests
{
    [Fact]
    public void CreateRun_SpecWithLocalTensors_HoldsOnlyTheSharedTensorsAtTheirSeedValues()
    {
        using var fixture = new EngineFixture();
        var config = RunConfig.FromJson(TestSpecs.RunConfig());
        var run = fixture.Engine.CreateRun(config).RunId;

        var model = fixture.Engine.GetModel(run, 0);
        var full = ParameterSet.Initialize(ParameterLayout.FromSpec(config.Spec), config.Seed);

        Assert.Equal(full.Layout.InScope(ParameterScope.Shared).Select(t => t.Name), model.Layout.Tensors.Select(t => t.Name));
        Assert.Equal(full.Layout.ScopeLength(ParameterScope.Shared), model.Values.Length);
        foreach (var tensor in model.Layout.Tensors)
        {
            Assert.Equal(full[full.Layout[tensor.Name]].ToArray(), model[tensor].ToArray());
        }

        Assert.Equal(full.Layout.Fingerprint, fixture.Engine.GetRun(run).LayoutFingerprint);
        Assert.Equal(model.Values.Length * sizeof(float), fixture.Sqlite.ListVersions(run).Single().ByteSize);
    }

    [Fact]
    public void Restore_VersionStoredWithTheFullLayoutByAnEarlierCoordinator_ReadAsItsSharedProjection()
    {
        var path = Path.Combine(Path.GetTempPath(), $"legacy-{Guid.NewGuid():N}.db");
        try
        {
            var config = RunConfig.FromJson(TestSpecs.RunConfig());
            var full = ParameterSet.Initialize(ParameterLayout.FromSpec(config.Spec), config.Seed);
            for (var i = 0; i < full.Values.Length; i++)
            {
                full.Values[i] += i * 1e-3f;
            }

            using (var store = new SqliteStore(path))
            {
                store.InsertRun(new StoredRun("run-1", "old", config.ToJson(), RunStatus.Running, 0, 0, DateTimeOffset.UnixEpoch, ""), 1, full.Values);
            }

            using var reopened = new SqliteStore(path);
            var engine = new RoundEngine(reopened, TimeProvider.System);
            engine.Restore();

            var model = engine.GetModel("run-1", 0);
            Assert.All(model.Layout.Tensors, t => Assert.Equal(ParameterScope.Shared, t.Scope));
            foreach (var tensor in model.Layout.Tensors)
            {
                Assert.Equal(full[full.Layout[tensor.Name]].ToArray(), model[tensor].ToArray());
            }
        }
        finally
        {
            foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(path) + "*"))
            {
                File.Delete(file);
            }
        }
    }
}
