using Federated.Client.Data;
using Federated.Client.Training;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Tests.Training;

public sealed class DataOutputBiasTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static ModelSpec FromData(ParameterScope likeScope = ParameterScope.Local)
    {
        var spec = SyntheticData.Spec();
        return spec with
        {
            Tasks =
            [
                spec.Tasks[0] with { OutputBiasFromData = true },
                spec.Tasks[1] with { OutputBiasFromData = true, Scope = likeScope },
            ],
        };
    }

    private static (double Mean, double Rate) TrainingLabels(NodeDataset data)
    {
        var ratings = data.Split.Train.Select(r => data.Table.Label(r, 0)).Where(y => !float.IsNaN(y)).ToArray();
        var likes = data.Split.Train.Select(r => data.Table.Label(r, 1)).Where(y => !float.IsNaN(y)).ToArray();
        return (ratings.Average(y => (double)y), likes.Average(y => (double)y));
    }

    [Fact]
    public void InMemory_LocalHeadsFromData_StartAtTheClientsTrainingMeanAndLogit()
    {
        var data = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 3, users: 4, items: 30, ratingsPerUser: 10), FromData());
        var initial = data.Model.Initialize(5);

        var client = LocalClient.InMemory(data, initial, 5);
        var restored = data.Model.Initialize(99);
        client.State.TryLoad(restored);

        var (mean, rate) = TrainingLabels(data);
        Assert.Equal(mean, restored["tower/rating/out/b"][0], 1e-4);
        Assert.Equal(Math.Log(rate / (1 - rate)), restored["tower/like/out/b"][0], 1e-4);
        Assert.Equal(0f, initial["tower/rating/out/b"][0]);
    }

    [Fact]
    public void NodeTrainingSession_FreshNode_SetsLocalHeadsFromItsTrainingSplitOnly()
    {
        var data = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 4, users: 5, items: 30, ratingsPerUser: 10), FromData(likeScope: ParameterScope.Shared));

        using var session = new NodeTrainingSession(data, Path.Combine(_dir.Path, "state"));

        var (mean, _) = TrainingLabels(data);
        Assert.Equal(mean, session.Parameters["tower/rating/out/b"][0], 1e-4);

        // A shared head starts from the run's spec (the merged value), never from one node's data.
        Assert.Equal(0f, session.Parameters["tower/like/out/b"][0]);
    }

    [Fact]
    public void WithSharedBiases_MergedStatistics_WritesOnlySharedFromDataTasks()
    {
        var spec = FromData(likeScope: ParameterScope.Shared);
        var a = new[] { new OutputBiasStatistics(2, 7), new OutputBiasStatistics(4, 1) };
        var b = new[] { new OutputBiasStatistics(2, 9), new OutputBiasStatistics(4, 1) };

        var resolved = DataOutputBias.WithSharedBiases(spec, [a[0] + b[0], a[1] + b[1]]);

        Assert.Equal(0f, resolved.Tasks[0].OutputBias);
        Assert.Equal((float)Math.Log(0.25 / 0.75), resolved.Tasks[1].OutputBias, 1e-6f);
        Assert.Equal(ParameterLayout.FromSpec(spec).Fingerprint, ParameterLayout.FromSpec(resolved).Fingerprint);
        var plain = SyntheticData.Spec();
        Assert.Same(plain, DataOutputBias.WithSharedBiases(plain, [default, default]));
    }

    [Fact]
    public void WithSharedBiases_ResolvedSharedTask_ClearsItsFlagAndKeepsLocalOnes()
    {
        var spec = FromData(likeScope: ParameterScope.Shared);

        var resolved = DataOutputBias.WithSharedBiases(spec, [new OutputBiasStatistics(2, 7), new OutputBiasStatistics(4, 1)]);

        // The value is resolved, so a coordinator given this spec asks nobody for statistics; the local head still starts
        // from each node's own labels.
        Assert.False(resolved.Tasks[1].OutputBiasFromData);
        Assert.True(resolved.Tasks[0].OutputBiasFromData);
        Assert.False(DataOutputBias.AnyIn(resolved, ParameterScope.Shared));
    }

    [Fact]
    public void StatisticsOf_AskedTasks_CountAndSumOfTrainingLabelsInTheAskedOrder()
    {
        var data = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 6, users: 6, items: 30, ratingsPerUser: 10), FromData(likeScope: ParameterScope.Shared));

        var statistics = DataOutputBias.StatisticsOf(data, ["like", "rating"]);

        var (mean, rate) = TrainingLabels(data);
        Assert.Equal(["like", "rating"], statistics.Select(s => s.Task));
        Assert.Equal(rate, statistics[0].Statistics.Sum / statistics[0].Statistics.Count, 1e-9);
        Assert.Equal(mean, statistics[1].Statistics.Sum / statistics[1].Statistics.Count, 1e-6);
        Assert.Equal(data.Split.Train.Count(r => !float.IsNaN(data.Table.Label(r, 0))), statistics[1].Statistics.Count);
        Assert.Throws<InvalidDataException>(() => DataOutputBias.StatisticsOf(data, ["click"]));
    }
}
