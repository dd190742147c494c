using Federated.Simulation.Engine;
using Federated.Simulation.Reports;

namespace Federated.Simulation.Tuning;

/// <summary>
/// Random search with successive halving on rounds (Jamieson and Talwalkar 2016, "Non-stochastic best arm
/// identification and hyperparameter optimization"; the rung schedule of Li et al. 2018, Hyperband): every trial trains
/// a few federated rounds, the best 1/η by validation train η times as many, and so on until one is left at the full
/// budget. A trial is scored on its validation rows only (the best pooled validation figure over its rounds, the
/// version early stopping would keep), never on test; with a patience in the experiment's options a trial whose
/// validation stalls stops before its rung's rounds are spent. Each rung trains from scratch, so a trial's score at a
/// rung does not depend on the rung before.
/// </summary>
public sealed class SuccessiveHalving
{
    /// <summary>The factor by which a rung keeps fewer trials and gives more rounds, ≥ 2. Default 3.</summary>
    public int Eta { get; init; } = 3;

    /// <summary>Federated rounds of the last rung (the full budget), ≥ 1.</summary>
    public required int Budget { get; init; }

    /// <summary>The rungs for <paramref name="trials"/> trials: per rung, the trials it keeps and the rounds it gives (at least 1).</summary>
    public IReadOnlyList<(int Keep, int Rounds)> Rungs(int trials)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Eta, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(Budget, 1);
        var counts = new List<int> { trials };
        while (counts[^1] > 1)
        {
            counts.Add(Math.Max(1, counts[^1] / Eta));
        }

        var rungs = new List<(int, int)>();
        for (var k = 0; k < counts.Count; k++)
        {
            var divisor = Math.Pow(Eta, counts.Count - 1 - k);
            rungs.Add((counts[k], Math.Max(1, (int)Math.Round(Budget / divisor))));
        }

        return rungs;
    }

    /// <summary>Runs the search; returns every trial of every rung, in the order they ran (the winner is the last).</summary>
    /// <param name="trials">The sampled settings.</param>
    /// <param name="build">An experiment (federated series only, with validation) for settings and a number of rounds.</param>
    /// <param name="selection">The validation figure that scores a trial.</param>
    /// <param name="onTrial">Called after each trial, e.g. to print it.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    public async Task<IReadOnlyList<TrialResult>> RunAsync(
        IReadOnlyList<TrialSettings> trials, Func<TrialSettings, int, Experiment> build, ValidationSelection selection, Action<TrialResult>? onTrial, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(selection);
        var results = new List<TrialResult>();
        var previous = new Dictionary<int, TrialResult>();
        var alive = Enumerable.Range(0, trials.Count).ToList();
        var rungs = Rungs(trials.Count);
        for (var rung = 0; rung < rungs.Count; rung++)
        {
            var (keep, rounds) = rungs[rung];
            var scored = new List<TrialResult>();
            foreach (var trial in alive.Take(keep))
            {
                TrialResult result;
                if (previous.TryGetValue(trial, out var before) && before.LastRound < before.Rounds)
                {
                    result = before with { Rung = rung, Rounds = rounds, Reused = true };
                }
                else
                {
                    try
                    {
                        var report = await build(trials[trial], rounds).RunAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                        var (score, round, last) = BestValidation(report, selection);
                        result = new TrialResult(trial, rung, rounds, trials[trial], score, round, last, Reused: false);
                    }
                    catch (SeriesDivergedException e)
                    {
                        // Settings that blow the model up are the worst a search can find, not the end of the search: the
                        // trial has no score (ranked last) and, being deterministic, is reused as such if a rung keeps it.
                        result = new TrialResult(trial, rung, rounds, trials[trial], double.NaN, -1, e.Round, Reused: false) { DivergedRound = e.Round };
                    }
                }

                previous[trial] = result;
                scored.Add(result);
                results.Add(result);
                onTrial?.Invoke(result);
            }

            // Best first; a trial with no finite score last; ties by trial index, so the order is the same in any run.
            alive = [.. scored
                .OrderBy(r => double.IsFinite(r.Score) ? 0 : 1)
                .ThenBy(r => selection.HigherIsBetter ? -r.Score : r.Score)
                .ThenBy(r => r.Trial)
                .Select(r => r.Trial)];
            if (rung + 1 < rungs.Count)
            {
                alive = [.. alive.Take(rungs[rung + 1].Keep)];
            }
        }

        // The winner of the last rung is put last.
        var winner = results.Where(r => r.Rung == rungs.Count - 1).First(r => r.Trial == alive[0]);
        results.Remove(winner);
        results.Add(winner);
        return results;
    }

    /// <summary>
    /// The federated series' best pooled validation figure over its trained rounds (round ≥ 1), its round, and the last
    /// round it trained.
    /// </summary>
    internal static (double Score, int Round, int LastRound) BestValidation(ExperimentReport report, ValidationSelection selection)
    {
        var best = (Score: double.NaN, Round: -1);
        var last = 0;
        foreach (var point in report.Points)
        {
            if (point.Series != ExperimentSeries.Federated || point.Client != MetricPoint.AllClients || point.Task != selection.Task
                || point.Metric != MetricRecorder.ValidationPrefix + selection.Metric || point.Round <= 0)
            {
                continue;
            }

            last = Math.Max(last, point.Round);
            if (double.IsFinite(point.Value) && (best.Round < 0 || (selection.HigherIsBetter ? point.Value > best.Score : point.Value < best.Score)))
            {
                best = (point.Value, point.Round);
            }
        }

        return (best.Score, best.Round, last);
    }
}
