using Federated.Client.Training;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Updates;

namespace Federated.Client.Tests.Training;

public sealed class TrainingWorkspaceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(0f, 1)]
    [InlineData(0.2f, 1)]
    [InlineData(0f, 2)]
    public void Train_LentWorkspace_MatchesOwnSessionBitForBit(float dropout, int threads)
    {
        var spec = SyntheticData.Spec() with { Dropout = dropout };
        var path = SyntheticData.Write(_dir.Path, seed: 3, users: 6, items: 30, ratingsPerUser: 12);
        var other = Client(SyntheticData.Write(_dir.Path, seed: 4, users: 5, items: 30, ratingsPerUser: 9, name: "other.csv"), spec, seed: 99);
        var options = new NodeTrainingOptions { Seed = 7, Threads = threads };
        using var session = new NodeTrainingSession(SyntheticData.Load(path, spec), Path.Combine(_dir.Path, "state"), options);
        var client = LocalClient.InMemory(SyntheticData.Load(path, spec), ParameterSet.Initialize(spec, seed: 7), seed: 7);
        using var workspace = new TrainingWorkspace(spec, options);
        var global = ParameterSet.Initialize(spec, seed: 5);
        TrainingAssignment[] rounds =
        [
            Assignment(1, 0),
            Assignment(2, 1).With(p => p with { ProximalMu = 0.5f, ClipNorm = 0.05 }),
            Assignment(3, 2).With(p => p with { SparseEmbeddings = false, LocalEpochs = 2 }),
            Assignment(4, 3).With(p => p with { BatchSize = 5, LearningRate = 0.03f }),
        ];

        foreach (var assignment in rounds)
        {
            // Another client first dirties the workspace's shared rows and trainer for this very global.
            workspace.Train(other, assignment, global);
            var expected = session.Train(assignment, global);
            var actual = workspace.Train(client, assignment, global);

            AssertSameDelta(expected.Delta, actual.Delta);
            Assert.Equal(expected.NormBeforeClip, actual.NormBeforeClip);
            Assert.Equal(expected.Steps, actual.Steps);
            Assert.Equal(expected.LabelledExamples, actual.LabelledExamples);
            Assert.Equal(expected.TrainingMetrics.Select(m => m.ToArray()), actual.TrainingMetrics.Select(m => m.ToArray()));
            AssertSameOwnedState(session.Parameters, workspace.Parameters, (CompactLocalStateStore)client.State);
            expected.Delta.ApplyTo(global);
        }

        var restored = new ParameterSet(global.Layout);
        client.State.TryLoad(restored);
        AssertSameOwnedState(session.Parameters, restored, (CompactLocalStateStore)client.State);
        Assert.Equal(session.LastRound, ((CompactLocalStateStore)client.State).Header!.Round);
        session.LoadShared(global, modelVersion: 4);
        Assert.Equal(
            session.Evaluate(DataPart.Test).Select(m => m.ToArray()),
            workspace.Evaluate(client, global, 4, DataPart.Test).Select(m => m.ToArray()));
    }

    [Fact]
    public void Train_TwoClientsInterleavedOnOneWorkspace_EqualEachOnItsOwnWorkspace()
    {
        var spec = SyntheticData.Spec();
        var pathA = SyntheticData.Write(_dir.Path, seed: 5, users: 4, items: 30, ratingsPerUser: 10, name: "a.csv");
        var pathB = SyntheticData.Write(_dir.Path, seed: 6, users: 4, items: 30, ratingsPerUser: 10, name: "b.csv");
        var initial = ParameterSet.Initialize(spec, seed: 1);
        LocalClient[] shared = [Client(pathA, spec, seed: 1, initial), Client(pathB, spec, seed: 2, initial)];
        LocalClient[] alone = [Client(pathA, spec, seed: 1, initial), Client(pathB, spec, seed: 2, initial)];
        using var one = new TrainingWorkspace(spec);
        using var ownA = new TrainingWorkspace(spec);
        using var ownB = new TrainingWorkspace(spec);
        var global = ParameterSet.Initialize(spec, seed: 5);

        for (var round = 1; round <= 3; round++)
        {
            var assignment = Assignment(round, round - 1).With(p => p with { SparseEmbeddings = round != 2 });
            var interleaved = new[] { one.Train(shared[0], assignment, global), one.Train(shared[1], assignment, global) };
            var separate = new[] { ownA.Train(alone[0], assignment, global), ownB.Train(alone[1], assignment, global) };
            for (var c = 0; c < 2; c++)
            {
                AssertSameDelta(separate[c].Delta, interleaved[c].Delta);
                Assert.Equal(Kept(alone[c]), Kept(shared[c]));
            }

            separate[0].Delta.ApplyTo(global, 0.5f);
            separate[1].Delta.ApplyTo(global, 0.5f);
        }

        Assert.NotEqual(Kept(shared[0]), Kept(shared[1]));
    }

    [Fact]
    public void Evaluate_AfterAnotherClientTrained_SeesOnlyItsOwnLocalState()
    {
        var spec = SyntheticData.Spec();
        var initial = ParameterSet.Initialize(spec, seed: 1);
        var a = Client(SyntheticData.Write(_dir.Path, seed: 5, users: 4, items: 30, ratingsPerUser: 10, name: "a.csv"), spec, seed: 1, initial);
        var b = Client(SyntheticData.Write(_dir.Path, seed: 6, users: 4, items: 30, ratingsPerUser: 10, name: "b.csv"), spec, seed: 2, initial);
        using var workspace = new TrainingWorkspace(spec);
        using var fresh = new TrainingWorkspace(spec);
        var global = ParameterSet.Initialize(spec, seed: 5);
        workspace.Train(a, Assignment(1, 0), global);

        workspace.Train(b, Assignment(1, 0).With(p => p with { LocalEpochs = 3 }), global);
        var again = workspace.Evaluate(a, global, 0);

        Assert.Equal(fresh.Evaluate(a, global, 0).Select(m => m.ToArray()), again.Select(m => m.ToArray()));
    }

    [Fact]
    public void Predict_TrainedClient_SummariesOfItsPredictionsEqualEvaluate()
    {
        // Evaluation batches (2 rows) smaller than the part, so that the row offsets of later batches are exercised.
        var spec = SyntheticData.Spec();
        var client = Client(SyntheticData.Write(_dir.Path, seed: 5, users: 4, items: 30, ratingsPerUser: 10, name: "a.csv"), spec, seed: 1);
        using var workspace = new TrainingWorkspace(spec, new NodeTrainingOptions { EvaluationBatchSize = 2, MetricBins = 500 });
        var global = ParameterSet.Initialize(spec, seed: 5);
        workspace.Train(client, Assignment(1, 0), global);

        var rows = TrainingWorkspace.RowCount(client.Data, DataPart.Test);
        var predictions = spec.Tasks.Select(_ => new float[rows]).ToArray();
        var labels = spec.Tasks.Select(_ => new float[rows]).ToArray();
        workspace.Predict(client, global, 0, DataPart.Test, predictions, labels);
        var builder = new Federated.Model.Metrics.TaskMetricsBuilder(spec.Tasks, bins: 500);
        for (var t = 0; t < spec.Tasks.Count; t++)
        {
            builder.Add(t, predictions[t], labels[t]);
        }

        Assert.True(rows > 2, $"{rows} test rows");
        Assert.Equal(workspace.Evaluate(client, global, 0, DataPart.Test).Select(m => m.ToArray()), builder.ToMetrics().Select(m => m.ToArray()));
        Assert.All(predictions, p => Assert.All(p, v => Assert.True(float.IsFinite(v))));
    }

    [Fact]
    public void Evaluate_ClientTrainedOnAnotherWorkspaceSinceThisOneHeldIt_LoadsTheNewState()
    {
        // Which worker gets which client is up to the thread pool: a workspace that last held a client must not take
        // its stale copy for the client's state after another workspace trained and saved it.
        var spec = SyntheticData.Spec();
        var client = Client(SyntheticData.Write(_dir.Path, seed: 5, users: 4, items: 30, ratingsPerUser: 10, name: "a.csv"), spec, seed: 1);
        using var first = new TrainingWorkspace(spec);
        using var second = new TrainingWorkspace(spec);
        using var fresh = new TrainingWorkspace(spec);
        var global = ParameterSet.Initialize(spec, seed: 5);
        first.Evaluate(client, global, 0);

        second.Train(client, Assignment(1, 0).With(p => p with { LocalEpochs = 3 }), global);
        var again = first.Evaluate(client, global, 0);

        Assert.Equal(fresh.Evaluate(client, global, 0).Select(m => m.ToArray()), again.Select(m => m.ToArray()));
    }

    [Fact]
    public void Train_FileStoreWithoutState_RefusesToRestoreIntoSharedWorkspace()
    {
        var spec = SyntheticData.Spec();
        var data = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 5, users: 4, items: 30, ratingsPerUser: 10), spec);
        var client = new LocalClient(data, new FileLocalStateStore(Path.Combine(_dir.Path, "none.bin")), seed: 1);
        using var workspace = new TrainingWorkspace(spec);

        var error = Assert.Throws<InvalidOperationException>(() => workspace.Train(client, Assignment(1, 0), ParameterSet.Initialize(spec, seed: 5)));

        Assert.Contains("no complete state", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_ClientOfAnotherModel_Throws()
    {
        var data = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 5, users: 4, items: 30, ratingsPerUser: 10), SyntheticData.Spec(userBuckets: 64));
        var client = LocalClient.InMemory(data, ParameterSet.Initialize(data.Spec, seed: 1), seed: 1);
        using var workspace = new TrainingWorkspace(SyntheticData.Spec());

        Assert.Throws<ArgumentException>(() => workspace.Train(client, Assignment(1, 0), ParameterSet.Initialize(SyntheticData.Spec(), seed: 5)));
    }

    [Fact]
    public void Train_Cancelled_SavesNothingAndNextLendingRestoresSavedState()
    {
        var spec = SyntheticData.Spec();
        var path = SyntheticData.Write(_dir.Path, seed: 5, users: 4, items: 30, ratingsPerUser: 10);
        var initial = ParameterSet.Initialize(spec, seed: 1);
        var client = Client(path, spec, seed: 1, initial);
        var twin = Client(path, spec, seed: 1, initial);
        using var workspace = new TrainingWorkspace(spec);
        using var other = new TrainingWorkspace(spec);
        var global = ParameterSet.Initialize(spec, seed: 5);
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.Throws<OperationCanceledException>(() => workspace.Train(client, Assignment(1, 0), global, cancellation.Token));
        Assert.Null(((CompactLocalStateStore)client.State).Header);
        var update = workspace.Train(client, Assignment(1, 0), global);

        AssertSameDelta(other.Train(twin, Assignment(1, 0), global).Delta, update.Delta);
    }

    [Fact]
    public void Train_OneCompiledModelForDataStateAndWorkspace_SameUpdatesAsCompilingTheSpecEachTime()
    {
        // Dropout makes the loop build a new trainer every round: from the model, never from the spec again.
        var spec = SyntheticData.Spec() with { Dropout = 0.2f };
        var model = CompiledModel.Compile(spec);
        var path = SyntheticData.Write(_dir.Path, seed: 3, users: 6, items: 30, ratingsPerUser: 12);
        var shared = LocalClient.InMemory(SyntheticData.Load(path, model), model.Initialize(7), seed: 7);
        var separate = Client(path, spec, seed: 7);
        using var onModel = new TrainingWorkspace(model);
        using var onSpec = new TrainingWorkspace(spec);
        var global = model.Initialize(5);

        Assert.Same(model, onModel.Model);
        Assert.Same(model.Layout, onModel.Parameters.Layout);
        Assert.Same(model, shared.Data.Model);
        Assert.Equal(separate.LayoutFingerprint, shared.LayoutFingerprint);
        for (var round = 1; round <= 2; round++)
        {
            AssertSameDelta(onSpec.Train(separate, Assignment(round, 0), global).Delta, onModel.Train(shared, Assignment(round, 0), global).Delta);
        }
    }

    internal static LocalClient Client(string path, ModelSpec spec, int seed, ParameterSet? initial = null) =>
        LocalClient.InMemory(SyntheticData.Load(path, spec), initial ?? ParameterSet.Initialize(spec, seed), seed);

    private static float[] Kept(LocalClient client)
    {
        var store = (CompactLocalStateStore)client.State;
        var parameters = new ParameterSet(ParameterLayout.FromSpec(client.Data.Spec));
        store.TryLoad(parameters);
        return [.. OwnedValues(parameters, store)];
    }

    private static IEnumerable<float> OwnedValues(ParameterSet parameters, CompactLocalStateStore store)
    {
        foreach (var tensor in parameters.Layout.InScope(ParameterScope.Local))
        {
            if (tensor.Kind != TensorKind.Embedding)
            {
                foreach (var value in parameters[tensor].ToArray())
                {
                    yield return value;
                }

                continue;
            }

            foreach (var row in store.OwnedRows(tensor.Name))
            {
                foreach (var value in parameters[tensor].Slice(row * tensor.Columns, tensor.Columns).ToArray())
                {
                    yield return value;
                }
            }
        }
    }

    private static void AssertSameOwnedState(ParameterSet expected, ParameterSet actual, CompactLocalStateStore store) =>
        Assert.Equal(OwnedValues(expected, store).ToArray(), OwnedValues(actual, store).ToArray());

    private static void AssertSameDelta(ModelDelta expected, ModelDelta actual)
    {
        Assert.Equal(expected.Tensors.Select(t => t.Name), actual.Tensors.Select(t => t.Name));
        for (var i = 0; i < expected.Tensors.Count; i++)
        {
            Assert.Equal(expected.Tensors[i].Rows, actual.Tensors[i].Rows);
            Assert.Equal(expected.Tensors[i].Values, actual.Tensors[i].Values);
        }
    }

    private static TrainingAssignment Assignment(long round, long version) =>
        TestPlans.Assignment(round, version, p => p with { LocalEpochs = 1, BatchSize = 8, LearningRate = 0.02f });
}
