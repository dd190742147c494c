using Federated.Model.Optimization;
using Federated.Model.Training;
using Federated.Simulation.Cli;
using Federated.Simulation.Engine;
using Federated.Simulation.Partitioning;
using Federated.Simulation.Tuning;

namespace Federated.Simulation.Tests.Engine;

public sealed class SuccessiveHalvingTests
{
    [Fact]
    public void Rungs_NineTrialsBudget18_KeepsAThirdAndTriplesRounds()
    {
        var rungs = new SuccessiveHalving { Budget = 18 }.Rungs(9);

        Assert.Equal([(9, 2), (3, 6), (1, 18)], rungs);
    }

    [Fact]
    public void Sample_SameSeed_SameTrials_WithinRanges()
    {
        var space = new SearchSpace();

        var one = space.Sample(5, seed: 4);
        var two = space.Sample(5, seed: 4);

        Assert.Equal(one.Select(t => t.ToString()), two.Select(t => t.ToString()));
        Assert.All(one, t => Assert.InRange(t.LearningRate, 1e-3f, 3e-2f));
        Assert.All(one, t => Assert.InRange(t.L2, 1e-6f, 1e-2f));
        Assert.All(one, t => Assert.Contains(t.BatchSize, space.BatchSizes));
        Assert.NotEqual(one.Select(t => t.ToString()), space.Sample(5, seed: 5).Select(t => t.ToString()));
    }

    [Fact]
    public async Task RunAsync_TinyDataThreeTrials_SameResultsForSameSeedAndScoredOnValidation()
    {
        var data = TinyFederation.Data();
        var partition = TinyFederation.ByInstitution(data);
        var trials = new SearchSpace().WithoutShape().Sample(3, seed: 2);
        var selection = ValidationSelection.Default(data.Spec);
        Experiment Build(TrialSettings trial, int rounds) => TrialExperiment(data, partition, rounds, p => p with { LearningRate = trial.LearningRate, BatchSize = trial.BatchSize, LocalEpochs = trial.LocalEpochs });

        var search = new SuccessiveHalving { Budget = 3 };
        var one = await search.RunAsync(trials, Build, selection, null, CancellationToken.None);
        var two = await search.RunAsync(trials, Build, selection, null, CancellationToken.None);

        Assert.Equal(one, two);
        Assert.Equal(4, one.Count);
        Assert.All(one, r => Assert.True(double.IsFinite(r.Score)));
        var first = one.Where(r => r.Rung == 0).ToList();
        var winner = one[^1];
        Assert.Equal(1, winner.Rung);
        Assert.Equal(first.MaxBy(r => r.Score)!.Trial, winner.Trial);
    }

    [Fact]
    public async Task RunAsync_OneTrialDiverges_ScoredAsDivergedAndTheSearchGoesOn()
    {
        var data = TinyFederation.Data();
        var partition = TinyFederation.ByInstitution(data);
        var trials = new SearchSpace().WithoutShape().Sample(3, seed: 2);
        var exploding = trials[1];
        var selection = ValidationSelection.Default(data.Spec);
        Experiment Build(TrialSettings trial, int rounds) => TrialExperiment(data, partition, rounds, p => trial == exploding
            ? p with { Optimizer = OptimizerKind.Sgd, LearningRate = 1e30f }
            : p with { LearningRate = trial.LearningRate, BatchSize = trial.BatchSize, LocalEpochs = trial.LocalEpochs });

        var results = await new SuccessiveHalving { Budget = 3 }.RunAsync(trials, Build, selection, null, CancellationToken.None);

        var diverged = Assert.Single(results, r => r.Trial == 1);
        Assert.Equal(1, diverged.DivergedRound);
        Assert.True(double.IsNaN(diverged.Score));
        Assert.Equal(-1, diverged.BestRound);
        Assert.NotEqual(1, results[^1].Trial);
        Assert.Null(results[^1].DivergedRound);
        Assert.True(double.IsFinite(results[^1].Score));
    }

    [Fact]
    public void Print_WinnerDiverged_RefusesToRecommendSettings()
    {
        var trial = new SearchSpace().WithoutShape().Sample(1, seed: 2)[0];
        var results = new[] { new TrialResult(0, 0, 3, trial, double.NaN, -1, 1, Reused: false) { DivergedRound = 1 } };

        var error = Assert.Throws<SimulationRunFailedException>(() => TuneConsole.Print(results, ValidationSelection.Default(TinyFederation.Data().Spec)));

        Assert.StartsWith("every trial of the last rung diverged", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A trial's experiment on the tiny federation: federated series only, 20 % validation, the plan changed by <paramref name="plan"/>.</summary>
    private static Experiment TrialExperiment(SimulationData data, DataPartition partition, int rounds, Func<LocalTrainingPlan, LocalTrainingPlan> plan)
    {
        var experiment = TinyFederation.Experiment(data, partition, rounds: rounds, references: false);
        return new Experiment
        {
            Title = experiment.Title,
            CommandLine = experiment.CommandLine,
            Data = data,
            Partition = partition,
            WithReferences = false,
            Options = experiment.Options with { ValidationFraction = 0.2, Plan = plan(experiment.Options.Plan) },
        };
    }
}
