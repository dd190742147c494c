using Federated.Coordinator.Rounds;
using Federated.Coordinator.Storage;
using Federated.Coordinator.Tests.Storage;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Updates;

namespace Federated.Coordinator.Tests.Rounds;

/// <summary>
/// A row-sparse FedAvg commit writes the next version into the run's spare buffer, copying only the rows changed since,
/// and stores it as a delta: every version must be bit-identical to the one the whole-copy path produces, restart included.
/// </summary>
public sealed class SparseCommitTests
{
    private const string TableModel = """
        {
          "fields": [ { "name": "item", "dim": 4, "buckets": 300, "scope": "shared" } ],
          "numeric": [],
          "trunk": { "kind": "shared-bottom", "hidden": [3], "levels": 1 },
          "tasks": [ { "name": "click", "kind": "binary", "tower": [2], "scope": "shared", "weight": 1 } ]
        }
        """;

    private const int Rounds = 12;

    private static readonly string[] Nodes = ["n1", "n2"];

    [Fact]
    public void Commit_RowSparseRoundsThroughLeases_VersionsBitIdenticalToWholeCopiesAndAfterRestart()
    {
        using var database = new TempDatabase();
        using var reference = new EngineFixture();
        List<float[]> expected;
        List<float[]> leased;
        string run;
        using (var sqlite = new SqliteStore(database.Path))
        using (var fixture = new EngineFixture(sqlite: sqlite))
        {
            // The reference reads every version with GetModel, which pins its buffer: each commit there copies the model.
            expected = Play(reference, pinned: true, out _);
            leased = Play(fixture, pinned: false, out run);
            Assert.True(fixture.Engine.ReusedVersionBuffers(run) >= Rounds - 2, $"{fixture.Engine.ReusedVersionBuffers(run)} commits reused the spare");
        }

        Assert.Equal(expected.Count, leased.Count);
        for (var v = 0; v < expected.Count; v++)
        {
            AssertBits(expected[v], leased[v]);
        }

        // A restarted engine rebuilds every version from the stored whole versions and deltas.
        using var reopened = new SqliteStore(database.Path);
        using var restarted = new EngineFixture(sqlite: reopened);
        restarted.Engine.Restore();
        Assert.True((long)database.Raw("SELECT count(*) FROM model_versions WHERE delta_base IS NOT NULL")! >= Rounds - 2);
        for (var v = 0; v < expected.Count; v++)
        {
            using var lease = restarted.Engine.OpenModel(run, v);
            AssertBits(expected[v], lease.Parameters.Values);
        }
    }

    [Fact]
    public void OpenModel_LeaseHeldAcrossCommits_ItsValuesStayThoseOfItsVersion()
    {
        using var fixture = new EngineFixture();
        var run = fixture.StartRun(TestSpecs.RunConfig(TableModel, rounds: 5, minClients: 2), Nodes);
        Round(fixture, run, 1);
        var held = fixture.Engine.OpenModel(run, 1);
        var snapshot = (float[])held.Parameters.Values.Clone();

        for (var round = 2; round <= 4; round++)
        {
            Round(fixture, run, round);
        }

        AssertBits(snapshot, held.Parameters.Values);
        held.Dispose();
    }

    /// <summary>Plays <see cref="Rounds"/> rounds of sparse updates; returns a copy of every version, 0 first.</summary>
    private static List<float[]> Play(EngineFixture fixture, bool pinned, out string run)
    {
        run = fixture.StartRun(TestSpecs.RunConfig(TableModel, rounds: Rounds, minClients: 2), Nodes);
        var versions = new List<float[]> { Read(fixture, run, 0, pinned) };
        for (var round = 1; round <= Rounds; round++)
        {
            Round(fixture, run, round);
            versions.Add(Read(fixture, run, round, pinned));
        }

        return versions;
    }

    private static float[] Read(EngineFixture fixture, string run, long version, bool pinned)
    {
        if (pinned)
        {
            return (float[])fixture.Engine.GetModel(run, version).Values.Clone();
        }

        using var lease = fixture.Engine.OpenModel(run, version);
        return (float[])lease.Parameters.Values.Clone();
    }

    /// <summary>Each node sends a few rows of the table (different ones per node and round) and the rest dense.</summary>
    private static void Round(EngineFixture fixture, string run, int round)
    {
        var layout = fixture.Engine.GetLayout(run);
        for (var n = 0; n < Nodes.Length; n++)
        {
            var node = Nodes[n];
            var assignment = fixture.Engine.PollAssignment(node, run).Assignment!;
            var random = new MathNet.Numerics.Random.Xoshiro256StarStar((round * 10) + n, threadSafe: false);
            var tensors = new List<TensorDelta>();
            foreach (var tensor in layout.Tensors)
            {
                if (tensor.Kind == TensorKind.Embedding)
                {
                    int[] rows = [.. Enumerable.Range(0, 6).Select(_ => random.Next(tensor.Rows)).Distinct().Order()];
                    tensors.Add(new TensorDelta(tensor.Name, Values(random, rows.Length * tensor.Columns), rows));
                }
                else
                {
                    tensors.Add(new TensorDelta(tensor.Name, Values(random, tensor.Length)));
                }
            }

            var click = new BinaryMetricSummary();
            click.Add(0.8f, 1f);
            fixture.Engine.SubmitUpdate(node, new NodeUpdate
            {
                RunId = run,
                Round = assignment.Round,
                BaseVersion = assignment.ModelVersion,
                NodeId = node,
                UploadId = $"{node}-r{assignment.Round}",
                Examples = 10 + n,
                TaskExamples = new Dictionary<string, long> { ["click"] = 10 + n },
                TrainingMetrics = [new TaskMetrics("click", click)],
                Delta = new ModelDelta(tensors),
            });
        }

        Assert.Equal(round, fixture.Engine.GetRun(run).ModelVersion);
    }

    private static float[] Values(Random random, int count) => [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() - 0.5) * 0.01f)];

    private static void AssertBits(float[] expected, float[] actual) =>
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
}
