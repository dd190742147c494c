using System.CommandLine;
using System.Globalization;
using Federated.Simulation.Experiments;
using Federated.Simulation.Synthetic;
using Spectre.Console;

// Default main job: a centralised multi-task run on the synthetic federation, printing per-task metrics.
// The federated simulation (partitioners, round engine in memory, reports) arrives with the simulation issue.
var seed = new Option<int>("--seed") { Description = "Seed of the data, the split and the model", DefaultValueFactory = _ => 1 };
var epochs = new Option<int>("--epochs") { Description = "Passes over the training split", DefaultValueFactory = _ => 8 };
var learningRate = new Option<float>("--learning-rate") { Description = "Adam learning rate", DefaultValueFactory = _ => 3e-3f };
var root = new RootCommand("Federated simulation. With no arguments: the synthetic multi-task data set, trained centrally, with per-task metrics.");
root.Options.Add(seed);
root.Options.Add(epochs);
root.Options.Add(learningRate);
root.SetAction((result, cancellationToken) =>
{
    var data = SyntheticFederation.Generate(seed: result.GetValue(seed));
    AnsiConsole.MarkupLine($"Synthetic federation: [bold]{data.Institutions}[/] institutions, {data.Users} users, {data.Items} items, {data.Examples.Count} interactions (seed {result.GetValue(seed)}).");
    AnsiConsole.MarkupLine("Centralised multi-task model (MMoE, 4 experts; click, conversion via ESMM, rating), 80/20 split:");
    var experiment = new CentralisedExperiment(data, result.GetValue(seed), result.GetValue(epochs), result.GetValue(learningRate));
    var results = experiment.Run((epoch, loss) => AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "  epoch {0}: click log-loss {1:F4}", epoch, loss), cancellationToken);
    var table = new Table().AddColumns("task", "metric", "untrained", "trained", "test examples");
    foreach (var (before, after) in results)
    {
        var untrained = before.ToFigures();
        foreach (var (name, value) in after.ToFigures())
        {
            if (name is "count" or "positives" or "label_mean" or "label_std" or "positive_rate")
            {
                continue;
            }

            table.AddRow(after.TaskName, name, untrained.TryGetValue(name, out var old) ? old.ToString("F4", CultureInfo.InvariantCulture) : "-", value.ToString("F4", CultureInfo.InvariantCulture), after.Summary.Count.ToString(CultureInfo.InvariantCulture));
        }
    }

    AnsiConsole.Write(table);
    return Task.FromResult(0);
});
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
