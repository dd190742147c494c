using System.Globalization;
using System.Text;
using Federated.Client.Data;
using Federated.Client.Training;
using Federated.Model.Parameters;

namespace Federated.Client.Tests.Training;

public sealed class MissingDataTrainingTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Train_EmptyBagsAndMissingLabels_GivesFiniteUpdateAndCountsLabelledPerTask()
    {
        var text = new StringBuilder("user,item,genres,age,rating,ts\n");
        var random = new Random(3);
        for (var i = 0; i < 120; i++)
        {
            var genres = i % 3 == 0 ? "" : "g" + (i % 4);
            var rating = i % 4 == 0 ? "" : (1 + random.Next(5)).ToString(CultureInfo.InvariantCulture);
            var age = i % 5 == 0 ? "" : (20 + (i % 30)).ToString(CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture, $"u{i % 10},i{i % 17},{genres},{age},{rating},{i}\n");
        }

        var data = SyntheticData.Load(_dir.Write("d.csv", text.ToString()));
        using var session = new NodeTrainingSession(data, Path.Combine(_dir.Path, "state"));
        var global = ParameterSet.Initialize(data.Spec, seed: 1);

        var update = session.Train(TestPlans.Assignment(1, 0, p => p with { BatchSize = 16, ClipNorm = 1 }), global);

        update.Delta.Validate(global.Layout, clipBound: 1);
        var labelled = data.Split.Train.Count(r => !float.IsNaN(data.Table.Label(r, 0)));
        Assert.Equal(labelled, update.LabelledExamples["rating"]);
        Assert.Equal(labelled, update.LabelledExamples["like"]);
        Assert.True(labelled < data.Split.Train.Length);
        Assert.Equal(labelled, update.TrainingMetrics[0].Summary.Count);
    }

    [Fact]
    public void Train_MovieLens100KWithDefaultSpec_RunsAndRecommends()
    {
        var items = new StringBuilder();
        for (var i = 1; i <= 12; i++)
        {
            var flags = string.Join('|', Enumerable.Range(0, 19).Select(g => g == i % 19 || g == (i + 3) % 19 ? "1" : "0"));
            items.Append(CultureInfo.InvariantCulture, $"{i}|Movie {i} (1990)|01-Jan-1990||http://x|{flags}\n");
        }

        var ratings = new StringBuilder();
        var random = new Random(5);
        for (var u = 1; u <= 6; u++)
        {
            for (var i = 1; i <= 12; i += 1 + random.Next(2))
            {
                ratings.Append(CultureInfo.InvariantCulture, $"{u}\t{i}\t{1 + random.Next(5)}\t{880000000 + (u * 100) + i}\n");
            }
        }

        _dir.Write("u.item", items.ToString());
        _dir.Write("u.user", "1|24|M|technician|1\n2|53|F|other|2\n3|33|M|writer|3\n4|17|F|student|4\n5|60|M|retired|5\n6|40|F|educator|6\n");
        _dir.Write("u.data", ratings.ToString());
        var spec = MovieLensModelSpec.Create(new MovieLensSpecOptions { ItemVocabulary = 13, UserBuckets = 64, Dim = 4 });
        var data = NodeDataset.Load(ExampleSources.Open(_dir.Path), spec, new SplitOptions { Method = SplitMethod.Time });
        using var session = new NodeTrainingSession(data, Path.Combine(_dir.Path, "state"));

        var update = session.Train(TestPlans.Assignment(1, 0, p => p with { BatchSize = 8, LocalEpochs = 2 }), ParameterSet.Initialize(spec, seed: 2));
        var top = session.Recommend("1", 3, excludeSeen: false);

        update.Delta.Validate(ParameterLayout.FromSpec(spec));
        Assert.Equal(0, data.Report.BadRows);
        Assert.Equal(3, top.Count);
        Assert.All(top, r => Assert.InRange(int.Parse(r.Item, CultureInfo.InvariantCulture), 1, 12));
    }

    [Fact]
    public void Open_CsvWithoutSchema_FailsAskingForSchema()
    {
        var path = _dir.Write("d.csv", "a,b\n");

        var error = Assert.Throws<DataFormatException>(() => ExampleSources.Open(path));

        Assert.Contains("--schema", error.Message, StringComparison.Ordinal);
    }
}
