using Federated.Client.Training;
using Federated.Simulation.Engine;
using Federated.Simulation.Reports;

namespace Federated.Simulation.Tests.Engine;

/// <summary>The validation split every series shares, and each series' best version chosen on it.</summary>
public sealed class ValidationBudgetTests
{
    [Fact]
    public void Build_ValidationFraction_DisjointFromTrainAndTestAndCarvedFromTraining()
    {
        var data = TinyFederation.Data();
        var clients = VirtualClients.Build(data, TinyFederation.ByInstitution(data), seed: 3, validationFraction: 0.2);

        Assert.Contains(true, clients.IsValidation);
        for (var c = 0; c < clients.Count; c++)
        {
            var split = clients.Datasets[c].Split;
            var examples = clients.Examples[c];
            Assert.NotEmpty(split.Validation);
            Assert.Empty(split.Validation.Intersect(split.Train));
            Assert.Empty(split.Validation.Intersect(split.Test));
            Assert.Equal(examples.Length, split.Train.Length + split.Validation.Length + split.Test.Length);
            Assert.All(split.Validation, row => Assert.False(data.IsTest[examples[row]]));
            Assert.All(split.Validation, row => Assert.True(clients.IsValidation[examples[row]]));
            var training = examples.Count(i => !data.IsTest[i]);
            Assert.Equal((int)Math.Round(training * 0.2), split.Validation.Length);
        }
    }

    [Fact]
    public void Build_SameSeed_SameValidationRows_AndNoneWithoutFraction()
    {
        var data = TinyFederation.Data();
        var partition = TinyFederation.ByInstitution(data);

        var one = VirtualClients.Build(data, partition, seed: 3, validationFraction: 0.2);
        var two = VirtualClients.Build(data, partition, seed: 3, validationFraction: 0.2);
        var none = VirtualClients.Build(data, partition, seed: 3);

        Assert.Equal(one.IsValidation, two.IsValidation);
        Assert.DoesNotContain(true, none.IsValidation);
        Assert.All(none.Datasets, d => Assert.Empty(d.Split.Validation));
    }

    [Fact]
    public void PooledDataset_CentralisedReference_SameValidationExamplesAsClients()
    {
        var data = TinyFederation.Data();
        var clients = VirtualClients.Build(data, TinyFederation.ByInstitution(data), seed: 3, validationFraction: 0.2);
        using var pool = new WorkerPool(data.Model, new NodeTrainingOptions { Threads = 1 }, 1);

        var pooled = new ReferenceRunner(clients, new SimulationOptions { ValidationFraction = 0.2 }, pool).PooledDataset();

        // Row r of the pooled table is the r-th example of the clients' lists, client after client.
        var order = clients.Examples.SelectMany(e => e).ToArray();
        var pooledValidation = pooled.Split.Validation.Select(row => order[row]).Order();
        var clientValidation = Enumerable.Range(0, clients.Count).SelectMany(c => clients.Datasets[c].Split.Validation.Select(row => clients.Examples[c][row])).Order();
        Assert.Equal(clientValidation, pooledValidation);
    }

    [Fact]
    public async Task RunAsync_ValidationAndPatience_EverySeriesReportsItsWinningRound()
    {
        var data = TinyFederation.Data();
        var experiment = TinyFederation.Experiment(data, TinyFederation.ByInstitution(data), rounds: 4);
        experiment = new Experiment
        {
            Title = experiment.Title,
            CommandLine = experiment.CommandLine,
            Data = data,
            Partition = experiment.Partition,
            Options = experiment.Options with { ValidationFraction = 0.2, Patience = 2, ReferenceRounds = 5 },
        };

        var report = await experiment.RunAsync();

        Assert.Equal(ExperimentSeries.All.Order(), report.Selection.Keys.Order());
        Assert.Matches(@"^round \d+ of \d+ \(validation click:auc ", report.Selection[ExperimentSeries.Federated]);
        Assert.Matches(@"^round \d+ of \d+ \(validation click:auc ", report.Selection[ExperimentSeries.Centralised]);
        Assert.StartsWith("per client, round ", report.Selection[ExperimentSeries.LocalOnly], StringComparison.Ordinal);

        // The federated figure reported is the test figure of the round with the best pooled validation AUC (click, the first task).
        var validation = report.Points.Where(p => p.Series == ExperimentSeries.Federated && p.Client == MetricPoint.AllClients && p.Task == "click" && p.Metric == "val_auc" && p.Round > 0).ToList();
        var best = validation.MaxBy(p => p.Value)!.Round;
        var test = report.Points.Single(p => p.Series == ExperimentSeries.Federated && p.Client == MetricPoint.AllClients && p.Task == "click" && p.Metric == "auc" && p.Round == best);
        Assert.Equal(test.Value, report.Final(ExperimentSeries.Federated, "click", "auc"));
        Assert.StartsWith($"round {best} of ", report.Selection[ExperimentSeries.Federated], StringComparison.Ordinal);

        var markdown = ReportWriter.Markdown(report);
        Assert.Contains("| series | winning version |", markdown, StringComparison.Ordinal);
        Assert.Contains($"| federated | round {best} of ", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_WithoutValidation_NoSelectionAndNoValidationPoints()
    {
        var data = TinyFederation.Data();

        var report = await TinyFederation.Experiment(data, TinyFederation.ByInstitution(data), rounds: 2).RunAsync();

        Assert.Empty(report.Selection);
        Assert.Empty(report.Selected);
        Assert.DoesNotContain(report.Points, p => p.Metric.StartsWith(MetricRecorder.ValidationPrefix, StringComparison.Ordinal));
    }
}
