using Federated.Client.Data;
using Federated.Client.Training;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Tests.Training;

public sealed class NodeTrainingSessionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Train_FewRoundsOfFedAvgWithOneNode_ImprovesValidationMetrics()
    {
        var data = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 1, users: 60, items: 40, ratingsPerUser: 25));
        var global = ParameterSet.Initialize(data.Spec, seed: 5);
        using var session = new NodeTrainingSession(data, Path.Combine(_dir.Path, "state"), new NodeTrainingOptions { Seed = 2 });
        session.LoadShared(global, modelVersion: 0);
        var before = session.Evaluate();

        for (var round = 1; round <= 4; round++)
        {
            var update = session.Train(Assignment(round, round - 1).With(p => p with { LocalEpochs = 3, LearningRate = 0.02f }), global);
            update.Delta.ApplyTo(global);
        }

        session.LoadShared(global, modelVersion: 4);
        var after = session.Evaluate();
        var rmseBefore = ((RegressionMetricSummary)before[0].Summary).Rmse;
        var rmseAfter = ((RegressionMetricSummary)after[0].Summary).Rmse;
        var aucBefore = ((BinaryMetricSummary)before[1].Summary).Auc;
        var aucAfter = ((BinaryMetricSummary)after[1].Summary).Auc;
        var lossBefore = ((BinaryMetricSummary)before[1].Summary).LogLoss;
        var lossAfter = ((BinaryMetricSummary)after[1].Summary).LogLoss;
        Assert.True(rmseAfter < rmseBefore * 0.5, $"RMSE {rmseBefore} → {rmseAfter}");
        Assert.True(aucAfter > aucBefore + 0.2 && aucAfter > 0.85, $"AUC {aucBefore} → {aucAfter}");
        Assert.True(lossAfter < lossBefore, $"log-loss {lossBefore} → {lossAfter}");
        Assert.Equal(data.Split.Validation.Length, before[0].Summary.Count);
    }

    [Fact]
    public void Constructor_DataOfACompiledModel_SessionHoldsThatModelAndItsSeededParameters()
    {
        var model = CompiledModel.Compile(SyntheticData.Spec());
        var data = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 1, users: 10, items: 10, ratingsPerUser: 5), model);

        using var session = new NodeTrainingSession(data, Path.Combine(_dir.Path, "state"), new NodeTrainingOptions { Seed = 3 });

        Assert.Same(model, session.Model);
        Assert.Same(model.Layout, session.Parameters.Layout);
        Assert.Equal(model.Initialize(3).Values, session.Parameters.Values);
    }

    [Fact]
    public void Train_Delta_HoldsSharedTensorsOnlyAndRespectsClipBound()
    {
        var data = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 1, users: 20, items: 30, ratingsPerUser: 10));
        var global = ParameterSet.Initialize(data.Spec, seed: 5);
        var snapshot = (float[])global.Values.Clone();
        using var session = new NodeTrainingSession(data, Path.Combine(_dir.Path, "state"));

        var update = session.Train(Assignment(1, 0).With(p => p with { ClipNorm = 0.05, SparseEmbeddings = false }), global);

        var layout = global.Layout;
        Assert.All(update.Delta.Tensors, t => Assert.Equal(ParameterScope.Shared, layout[t.Name].Scope));
        Assert.DoesNotContain(update.Delta.Tensors, t => t.Name == "emb/user" || t.Name.StartsWith("tower/", StringComparison.Ordinal));
        Assert.Equal(layout.InScope(ParameterScope.Shared).Count(), update.Delta.Tensors.Count);
        Assert.True(update.NormBeforeClip > 0.05);
        Assert.InRange(update.Delta.L2Norm(), 0.05 * 0.999, 0.05 * (1 + 1e-6));
        update.Delta.Validate(layout, ParameterScope.Shared, clipBound: 0.05);
        Assert.Equal(snapshot, global.Values); // the received parameters are not modified
        Assert.Equal(data.Split.Train.Length, update.ExampleCount);
        Assert.Equal(data.Split.Train.Length, update.LabelledExamples["like"]);
        Assert.Equal(["rating", "like"], update.TrainingMetrics.Select(m => m.TaskName));
    }

    [Fact]
    public void Train_Sparse_SendsOnlyTouchedEmbeddingRows()
    {
        var data = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 1, users: 10, items: 8, ratingsPerUser: 6));
        var global = ParameterSet.Initialize(data.Spec, seed: 5);
        using var session = new NodeTrainingSession(data, Path.Combine(_dir.Path, "state"));

        var update = session.Train(Assignment(1, 0), global);

        var items = update.Delta.Tensors.Single(t => t.Name == "emb/item");
        Assert.True(items.IsSparse);
        var expected = data.Split.Train.Select(r => TokenHasher.Bucket("item", data.Table.ItemOf(r)!, 64)).Distinct().Order();
        Assert.Equal(expected, items.Rows!);
        Assert.False(update.Delta.Tensors.Single(t => t.Name == "bottom/dense0/w").IsSparse);
        update.Delta.Validate(global.Layout);
    }

    [Fact]
    public void Train_ThenNewSession_ContinuesWithSavedLocalTensors()
    {
        var path = SyntheticData.Write(_dir.Path, seed: 1, users: 20, items: 30, ratingsPerUser: 10);
        var state = Path.Combine(_dir.Path, "state");
        var global = ParameterSet.Initialize(SyntheticData.Spec(), seed: 5);
        float[] localAfterTraining;
        using (var first = new NodeTrainingSession(SyntheticData.Load(path), state, new NodeTrainingOptions { Seed = 1 }))
        {
            Assert.Null(first.LastRound);
            first.Train(Assignment(3, 2), global);
            localAfterTraining = [.. LocalValues(first.Parameters)];
        }

        using var restarted = new NodeTrainingSession(SyntheticData.Load(path), state, new NodeTrainingOptions { Seed = 1 });
        using var fresh = new NodeTrainingSession(SyntheticData.Load(path), Path.Combine(_dir.Path, "other"), new NodeTrainingOptions { Seed = 1 });

        Assert.Equal(3, restarted.LastRound);
        Assert.Equal(2, restarted.ModelVersion);
        Assert.Equal(localAfterTraining, LocalValues(restarted.Parameters));
        Assert.NotEqual(localAfterTraining, LocalValues(fresh.Parameters));
        Assert.False(File.Exists(restarted.StatePath + ".tmp"));
        Assert.Empty(Directory.GetFiles(state, "*.tmp"));
    }

    [Fact]
    public void Open_StateOfAnotherModel_FailsWithFingerprintMessage()
    {
        var path = SyntheticData.Write(_dir.Path, seed: 1, users: 10, items: 10, ratingsPerUser: 5);
        var state = Path.Combine(_dir.Path, "state");
        using (var first = new NodeTrainingSession(SyntheticData.Load(path), state))
        {
            first.Train(Assignment(1, 0), ParameterSet.Initialize(SyntheticData.Spec(), seed: 5));
        }

        var error = Assert.Throws<LocalStateException>(() => new NodeTrainingSession(SyntheticData.Load(path, SyntheticData.Spec(userBuckets: 256)), state));

        Assert.Contains("layout", error.Message, StringComparison.Ordinal);
        Assert.Contains(ParameterLayout.FromSpec(SyntheticData.Spec()).Fingerprint, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TruncatedState_FailsClearly()
    {
        var path = SyntheticData.Write(_dir.Path, seed: 1, users: 10, items: 10, ratingsPerUser: 5);
        var state = Path.Combine(_dir.Path, "state");
        using (var first = new NodeTrainingSession(SyntheticData.Load(path), state))
        {
            first.Train(Assignment(1, 0), ParameterSet.Initialize(SyntheticData.Spec(), seed: 5));
        }

        var file = Path.Combine(state, NodeTrainingSession.StateFileName);
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<LocalStateException>(() => new NodeTrainingSession(SyntheticData.Load(path), state));

        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_SameSeedAndInputs_SameDelta()
    {
        var path = SyntheticData.Write(_dir.Path, seed: 1, users: 10, items: 10, ratingsPerUser: 5);
        var global = ParameterSet.Initialize(SyntheticData.Spec(), seed: 5);
        using var a = new NodeTrainingSession(SyntheticData.Load(path), Path.Combine(_dir.Path, "a"), new NodeTrainingOptions { Seed = 4 });
        using var b = new NodeTrainingSession(SyntheticData.Load(path), Path.Combine(_dir.Path, "b"), new NodeTrainingOptions { Seed = 4 });

        var da = a.Train(Assignment(1, 0), global).Delta;
        var db = b.Train(Assignment(1, 0), global).Delta;

        Assert.Equal(da.Tensors.Select(t => t.Values), db.Tensors.Select(t => t.Values));
    }

    [Fact]
    public void Train_TwoThreads_RepeatableAndCloseToOneThread()
    {
        var path = SyntheticData.Write(_dir.Path, seed: 1, users: 10, items: 10, ratingsPerUser: 6);
        var global = ParameterSet.Initialize(SyntheticData.Spec(), seed: 5);
        float[] Run(string name, int threads)
        {
            using var session = new NodeTrainingSession(SyntheticData.Load(path), Path.Combine(_dir.Path, name), new NodeTrainingOptions { Seed = 4, Threads = threads });
            return [.. session.Train(Assignment(1, 0).With(p => p with { SparseEmbeddings = false }), global).Delta.Tensors.SelectMany(t => t.Values)];
        }

        var a = Run("a", 2);
        var b = Run("b", 2);
        var single = Run("c", 1);

        Assert.Equal(a, b);
        var scale = single.Max(MathF.Abs);
        Assert.All(a.Zip(single), p => Assert.True(MathF.Abs(p.First - p.Second) <= 0.05f * scale, $"{p.First} vs {p.Second}"));
    }

    [Fact]
    public void Train_Cancelled_ThrowsAndSavesNothing()
    {
        var data = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 1, users: 10, items: 10, ratingsPerUser: 5));
        using var session = new NodeTrainingSession(data, Path.Combine(_dir.Path, "state"));
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.Throws<OperationCanceledException>(() => session.Train(Assignment(1, 0), ParameterSet.Initialize(data.Spec, seed: 5), cancellation.Token));

        Assert.False(File.Exists(session.StatePath));
        Assert.Null(session.LastRound);
    }

    [Fact]
    public void Train_GlobalOfAnotherModel_FailsNamingLayouts()
    {
        var data = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 1, users: 10, items: 10, ratingsPerUser: 5));
        using var session = new NodeTrainingSession(data, Path.Combine(_dir.Path, "state"));

        var error = Assert.Throws<ArgumentException>(() => session.Train(Assignment(1, 0), ParameterSet.Initialize(SyntheticData.Spec(userBuckets: 64), seed: 5)));

        Assert.Contains("layout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_WithProximalTerm_StaysCloserToGlobal()
    {
        var path = SyntheticData.Write(_dir.Path, seed: 1, users: 20, items: 20, ratingsPerUser: 10);
        var global = ParameterSet.Initialize(SyntheticData.Spec(), seed: 5);
        using var plain = new NodeTrainingSession(SyntheticData.Load(path), Path.Combine(_dir.Path, "a"));
        using var prox = new NodeTrainingSession(SyntheticData.Load(path), Path.Combine(_dir.Path, "b"));

        var normPlain = plain.Train(Assignment(1, 0).With(p => p with { LocalEpochs = 3 }), global).NormBeforeClip;
        var normProx = prox.Train(Assignment(1, 0).With(p => p with { LocalEpochs = 3, ProximalMu = 10f }), global).NormBeforeClip;

        Assert.True(normProx < normPlain, $"‖Δ‖ with μ: {normProx}, without: {normPlain}");
    }

    [Fact]
    public void Recommend_KnownUser_ReturnsTopKUnseenItemsWithEveryTask()
    {
        var data = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 1, users: 10, items: 20, ratingsPerUser: 8));
        using var session = new NodeTrainingSession(data, Path.Combine(_dir.Path, "state"));
        session.Train(Assignment(1, 0), ParameterSet.Initialize(data.Spec, seed: 5));

        var top = session.Recommend("u3", k: 5);

        Assert.Equal(5, top.Count);
        Assert.Equal(top.Select(r => r.Score).OrderDescending(), top.Select(r => r.Score));
        Assert.All(top, r => Assert.Equal(["rating", "like"], r.Predictions.Keys));
        Assert.All(top, r => Assert.InRange(r.Predictions["like"], 0f, 1f));
        Assert.All(top, r => Assert.Equal(r.Predictions["like"], r.Score));
        Assert.Equal(5, top.Select(r => r.Item).Distinct().Count());
        var all = session.Recommend("u3", k: 100);
        Assert.Equal(20 - 8, all.Count); // seen items are left out
        Assert.Equal(20, session.Recommend("u3", k: 100, excludeSeen: false).Count);
        Assert.Throws<ArgumentException>(() => session.Recommend("nobody", 5));
        Assert.Throws<ArgumentException>(() => session.Recommend("u3", 5, rankBy: "nope"));
    }

    private static TrainingAssignment Assignment(long round, long version) =>
        TestPlans.Assignment(round, version, p => p with { LocalEpochs = 2, BatchSize = 32, LearningRate = 0.01f });

    private static float[] LocalValues(ParameterSet parameters) =>
        [.. parameters.Layout.InScope(ParameterScope.Local).SelectMany(t => parameters[t].ToArray())];
}
