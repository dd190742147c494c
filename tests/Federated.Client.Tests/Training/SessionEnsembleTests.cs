using Federated.Client.Training;
using Federated.Model.Metrics;
using Federated.Model.Parameters;

namespace Federated.Client.Tests.Training;

/// <summary>Several runs' models on one node's data scored as their mean (<see cref="SessionEnsemble"/>).</summary>
public sealed class SessionEnsembleTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Evaluate_TwoRuns_FiguresOfTheMeanOfTheirPredictions()
    {
        var path = SyntheticData.Write(_dir.Path, seed: 1, users: 10, items: 20, ratingsPerUser: 8);
        using var a = Session(path, "a", modelSeed: 5);
        using var b = Session(path, "b", modelSeed: 6);

        var metrics = new SessionEnsemble([a, b]).Evaluate(DataPart.Test, bins: 1000);

        var rows = TrainingWorkspace.RowCount(a.Data, DataPart.Test);
        float[][] pa = [new float[rows], new float[rows]], pb = [new float[rows], new float[rows]], labels = [new float[rows], new float[rows]];
        a.Predict(DataPart.Test, pa, labels);
        b.Predict(DataPart.Test, pb, labels);
        var expected = new TaskMetricsBuilder(a.Spec.Tasks, 1000);
        for (var t = 0; t < 2; t++)
        {
            expected.Add(t, pa[t].Zip(pb[t], (x, y) => (x + y) / 2).ToArray(), labels[t]);
        }

        Assert.Equal(expected.ToMetrics().Select(m => m.ToArray()), metrics.Select(m => m.ToArray()));
        Assert.NotEqual(a.Evaluate(DataPart.Test)[0].ToFigures()["rmse"], metrics[0].ToFigures()["rmse"], 6);
    }

    [Fact]
    public void Recommend_TwoRuns_RanksByTheMeanPredictionOfEveryTask()
    {
        var path = SyntheticData.Write(_dir.Path, seed: 1, users: 10, items: 20, ratingsPerUser: 8);
        using var a = Session(path, "a", modelSeed: 5);
        using var b = Session(path, "b", modelSeed: 6);

        var top = new SessionEnsemble([a, b]).Recommend("u3", k: 5);

        var alone = new[] { a, b }.Select(s => s.Recommend("u3", k: 100).ToDictionary(r => r.Item)).ToArray();
        var expected = alone[0].Keys.Select(item => (Item: item, Like: (alone[0][item].Predictions["like"] + alone[1][item].Predictions["like"]) / 2))
            .OrderByDescending(x => x.Like).ThenBy(x => x.Item, StringComparer.Ordinal).Take(5).ToArray();
        Assert.Equal(expected.Select(x => x.Item), top.Select(r => r.Item));
        Assert.All(top.Zip(expected), p => Assert.Equal(p.Second.Like, p.First.Score, 1e-6f));
        Assert.All(top, r => Assert.Equal((alone[0][r.Item].Predictions["rating"] + alone[1][r.Item].Predictions["rating"]) / 2, r.Predictions["rating"], 1e-5f));
    }

    [Fact]
    public void Recommend_OneMember_SameAsTheSessionAlone()
    {
        var path = SyntheticData.Write(_dir.Path, seed: 1, users: 10, items: 20, ratingsPerUser: 8);
        using var a = Session(path, "a", modelSeed: 5);

        var ensemble = new SessionEnsemble([a]).Recommend("u3", k: 7, excludeSeen: false);

        Assert.Equal(a.Recommend("u3", k: 7, excludeSeen: false).Select(r => (r.Item, r.Score)), ensemble.Select(r => (r.Item, r.Score)));
    }

    [Fact]
    public void Evaluate_MembersOnDifferentData_RefusedNamingTheMember()
    {
        using var a = Session(SyntheticData.Write(_dir.Path, seed: 1, users: 10, items: 20, ratingsPerUser: 8, name: "a.csv"), "a", modelSeed: 5);
        using var b = Session(SyntheticData.Write(_dir.Path, seed: 2, users: 10, items: 20, ratingsPerUser: 8, name: "b.csv"), "b", modelSeed: 5);

        var error = Assert.Throws<InvalidOperationException>(() => new SessionEnsemble([a, b]).Evaluate(DataPart.Test));

        Assert.Contains("member 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("the members must read the same data with the same split", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_MemberWithOtherTasks_Refused()
    {
        var path = SyntheticData.Write(_dir.Path, seed: 1, users: 10, items: 20, ratingsPerUser: 8);
        using var a = Session(path, "a", modelSeed: 5);
        var spec = SyntheticData.Spec() with { Tasks = [.. SyntheticData.Spec().Tasks.Reverse()] };
        using var b = new NodeTrainingSession(SyntheticData.Load(path, spec), Path.Combine(_dir.Path, "b"));

        var error = Assert.Throws<ArgumentException>(() => new SessionEnsemble([a, b]));

        Assert.StartsWith("member 2's tasks (like binary, rating regression) differ from the first member's (rating regression, like binary)", error.Message, StringComparison.Ordinal);
    }

    private NodeTrainingSession Session(string path, string state, int modelSeed)
    {
        var data = SyntheticData.Load(path);
        var session = new NodeTrainingSession(data, Path.Combine(_dir.Path, state));
        session.LoadShared(ParameterSet.Initialize(data.Spec, seed: modelSeed), modelVersion: 1);
        return session;
    }
}
