using System.Globalization;
using System.Text.RegularExpressions;
using Federated.Client.Training;
using Federated.Coordinator.Runs;
using Federated.Model.Spec;
using Federated.Simulation.Engine;
using Federated.Simulation.Reports;

namespace Federated.Simulation.Tests.Engine;

/// <summary>The federated series as an ensemble of federations (<see cref="SimulationOptions.Ensemble"/>) and the store of its members' predictions.</summary>
public sealed partial class EnsembleTests
{
    private static readonly ModelSpec Spec = new()
    {
        Fields = [new FieldSpec { Name = "item", Dim = 2, Vocabulary = 4 }],
        Tasks = [new TaskSpec { Name = "rating", Kind = TaskKind.Regression }, new TaskSpec { Name = "like", Kind = TaskKind.Binary }],
    };

    [Fact]
    public void Metrics_TwoMembers_FiguresOfTheirMeanPrediction()
    {
        var store = new EnsemblePredictions(Spec, clients: 1, bins: 1000);
        float[][] labels = [[1, 3, 5], [0, 1, 1]];

        store.Add(0, 0, 0, DataPart.Test, [[1, 2, 6], [0.2f, 0.9f, 0.3f]], labels);
        store.Add(1, 0, 0, DataPart.Test, [[3, 4, 4], [0.4f, 0.5f, 0.5f]], [[1, 3, 5], [0, 1, 1]]);
        var metrics = store.Metrics(0, DataPart.Test, members: 2)[0];

        // Mean predictions: rating 2, 3, 5 (errors 1, 0, 0); like 0.3, 0.7, 0.4 (both positives above the negative).
        Assert.Equal(Math.Sqrt(1.0 / 3), metrics[0].ToFigures()["rmse"], 1e-6);
        Assert.Equal(1.0, metrics[1].ToFigures()["auc"], 1e-9);
    }

    [Fact]
    public void Metrics_MemberMissed_Throws()
    {
        var store = new EnsemblePredictions(Spec, clients: 1, bins: 1000);
        store.Add(0, 0, 0, DataPart.Test, [[1], [0.5f]], [[1], [1]]);

        var error = Assert.Throws<InvalidOperationException>(() => store.Metrics(0, DataPart.Test, members: 2));

        Assert.Contains("1 of the ensemble's 2 members", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_LaterMemberBeyondTheFirstMembersRounds_Throws()
    {
        var store = new EnsemblePredictions(Spec, clients: 1, bins: 1000);
        store.Add(0, 0, 0, DataPart.Test, [[1], [0.5f]], [[1], [1]]);

        var error = Assert.Throws<InvalidOperationException>(() => store.Add(1, 1, 0, DataPart.Test, [[1], [0.5f]], [[1], [1]]));

        Assert.Contains("ensemble member 2 evaluated round 1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    public void ValidateBudget_EnsembleOutOfRange_NamesTheFlag(int members)
    {
        var error = Assert.Throws<ArgumentException>(() => new SimulationOptions { Ensemble = members }.ValidateBudget());

        Assert.Equal($"--ensemble {members}: must be in [1, 32]", error.Message);
    }

    [Fact]
    public void ValidateBudget_EnsembleWithPrivacy_Refused()
    {
        var options = new SimulationOptions { Ensemble = 2, Privacy = new PrivacySettings { NoiseMultiplier = 1, ClipNorm = 1, SampleRate = 1 } };

        var error = Assert.Throws<ArgumentException>(options.ValidateBudget);

        Assert.StartsWith("--ensemble with differential privacy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForMember_Index_SeedPlusIndexAndNothingElse()
    {
        var options = new SimulationOptions { Seed = 7, Rounds = 3, Ensemble = 4 };

        Assert.Equal(options, options.ForMember(0));
        Assert.Equal(options with { Seed = 9 }, options.ForMember(2));
    }

    [Fact]
    public async Task RunAsync_EnsembleOfThree_MeanBeatsItsMembersOnSquaredErrorAndSaysWhatItCost()
    {
        var report = await Run(ensemble: 3, workers: 2);

        var last = report.Points.Where(p => p.Series == ExperimentSeries.Federated && p.Client == MetricPoint.AllClients && p.Task == "rating" && p.Metric == "rmse").MaxBy(p => p.Round)!;
        Assert.Equal(2, last.Round);
        Assert.Contains("mean prediction of 3 models with seeds 3–5: the federated series 3 federations", report.Settings["ensemble"], StringComparison.Ordinal);
        var members = MemberFigures(report.Settings["ensemble members alone"], "rating rmse");
        Assert.Equal(3, members.Length);
        Assert.True(members.Distinct().Count() > 1, "members with different seeds train different models");

        // The squared error of a mean prediction is at most the mean of the members' squared errors (Jensen), row by row.
        Assert.True(last.Value * last.Value <= members.Average(m => m * m) + 1e-6, $"ensemble {last.Value} against members {string.Join(", ", members)}");
        Assert.StartsWith("round 2: ", report.Settings["ensemble members alone"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_EnsembleOneOrTwoWorkers_SameFigures()
    {
        var one = await Run(ensemble: 2, workers: 1);
        var two = await Run(ensemble: 2, workers: 2);

        Assert.Equal(one.Points.Select(p => (p.Series, p.Round, p.Client, p.Task, p.Metric, p.Value)), two.Points.Select(p => (p.Series, p.Round, p.Client, p.Task, p.Metric, p.Value)));
        Assert.Equal(one.Settings["ensemble members alone"], two.Settings["ensemble members alone"]);
    }

    [Fact]
    public async Task RunAsync_EnsembleWithReferences_EachReferenceIsItsMembersMeanAndWorkersDoNotMatter()
    {
        var data = TinyFederation.Data();
        Experiment Build(int? ensemble, int workers)
        {
            var e = Experiment(data, ensemble, workers, rounds: 3);
            return new Experiment { Title = e.Title, CommandLine = e.CommandLine, Data = data, Partition = e.Partition, Options = e.Options with { ValidationFraction = 0.2, Patience = 1 }, WithReferences = true };
        }

        var one = await Build(ensemble: 2, workers: 1).RunAsync();
        var two = await Build(ensemble: 2, workers: 2).RunAsync();
        var single = await Build(ensemble: null, workers: 2).RunAsync();

        Assert.Equal(one.Points.Select(p => (p.Series, p.Round, p.Client, p.Task, p.Metric, p.Value)), two.Points.Select(p => (p.Series, p.Round, p.Client, p.Task, p.Metric, p.Value)));
        Assert.Equal(one.Selection, two.Selection);
        foreach (var series in new[] { ExperimentSeries.LocalOnly, ExperimentSeries.Centralised })
        {
            double Rmse(ExperimentReport r) => r.Final(series, "rating", "rmse");
            Assert.True(double.IsFinite(Rmse(one)), series);
            Assert.NotEqual(Rmse(single), Rmse(one));
        }

        Assert.Contains("each reference 2 models", one.Settings["ensemble"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_EnsembleOfOne_TheSingleFederation()
    {
        var single = await Run(ensemble: 1, workers: 2);

        Assert.False(single.Settings.ContainsKey("ensemble"));
        var plain = await Run(ensemble: null, workers: 2);
        Assert.Equal(plain.Points.Select(p => p.Value), single.Points.Select(p => p.Value));
    }

    [Fact]
    public async Task RunAsync_EnsembleWithValidationAndPatience_MeanPicksTheRoundAndStops()
    {
        var data = TinyFederation.Data();
        var experiment = Experiment(data, ensemble: 2, workers: 2, rounds: 12) is var e
            ? new Experiment { Title = e.Title, CommandLine = e.CommandLine, Data = data, Partition = e.Partition, Options = e.Options with { ValidationFraction = 0.2, Patience = 1 }, WithReferences = false }
            : null!;

        var report = await experiment.RunAsync();

        var match = SelectionPattern().Match(report.Selection[ExperimentSeries.Federated]);
        Assert.True(match.Success, report.Selection[ExperimentSeries.Federated]);
        var (best, last) = (int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
        var validation = report.Points.Where(p => p.Series == ExperimentSeries.Federated && p.Metric == "val_auc" && p.Task == "click").ToDictionary(p => p.Round, p => p.Value);
        Assert.Equal(last, validation.Keys.Max());
        Assert.Equal(validation.Where(v => v.Key > 0).MaxBy(v => v.Value).Key, best);
        Assert.StartsWith($"round {best}: ", report.Settings["ensemble members alone"], StringComparison.Ordinal);
        if (last < 12)
        {
            Assert.Equal(best + 1, last);
        }
    }

    private static Task<ExperimentReport> Run(int? ensemble, int workers) => Experiment(TinyFederation.Data(), ensemble, workers, rounds: 2).RunAsync();

    private static Experiment Experiment(SimulationData data, int? ensemble, int workers, int rounds)
    {
        var tiny = TinyFederation.Experiment(data, TinyFederation.ByInstitution(data), workers, rounds, references: false);
        return new Experiment
        {
            Title = tiny.Title,
            CommandLine = tiny.CommandLine,
            Data = data,
            Partition = tiny.Partition,
            Options = ensemble is { } k ? tiny.Options with { Ensemble = k } : tiny.Options,
            WithReferences = false,
        };
    }

    private static double[] MemberFigures(string description, string figure)
    {
        var part = description.Split("; ").Single(p => p.Contains(figure, StringComparison.Ordinal));
        return [.. part[(part.IndexOf(figure, StringComparison.Ordinal) + figure.Length)..].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture))];
    }

    [GeneratedRegex(@"^round (\d+) of (\d+) \(validation click:auc ")]
    private static partial Regex SelectionPattern();
}
