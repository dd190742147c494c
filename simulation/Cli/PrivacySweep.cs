using System.Globalization;
using Federated.Coordinator.Privacy;
using Federated.Simulation.Engine;
using Federated.Simulation.Reports;
using Spectre.Console;

namespace Federated.Simulation.Cli;

/// <summary>
/// <c>--dp-sweep Z1,Z2,…</c>: the same federation (seed, split, clip, δ, q) once per noise multiplier, then once without
/// privacy with the references (the same fraction of clients per round, drawn as without privacy), each with its own
/// report folder, and the privacy–utility table and plots (<see cref="PrivacySweepReport"/>) beside them.
/// </summary>
/// <remarks>Runs one after another, as <see cref="StrategyComparison"/> does, for the same reason (determinism).</remarks>
internal static partial class PrivacySweep
{
    /// <summary>Parses <c>Z1,Z2,…</c>: finite noise multipliers &gt; 0, at least one, no repeats.</summary>
    /// <exception cref="ArgumentException">An empty list, a value that is not a number &gt; 0, or a repeated value.</exception>
    public static IReadOnlyList<double> Parse(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var values = new List<double>();
        foreach (var part in list.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var z) || !double.IsFinite(z) || z <= 0)
            {
                throw new ArgumentException($"--dp-sweep '{list}': '{part}' is not a noise multiplier (a number > 0)");
            }

            if (values.Contains(z))
            {
                throw new ArgumentException($"--dp-sweep '{list}': {part} is given twice");
            }

            values.Add(z);
        }

        return values;
    }

    /// <summary>Runs the sweep; returns the private runs in the order given and the run without privacy.</summary>
    /// <param name="build">The command's experiment for given options; the flag says whether to train the references.</param>
    /// <param name="options">The options given, with their <c>Privacy</c> (clip, δ, q) and any noise multiplier.</param>
    /// <param name="noises">The noise multipliers z.</param>
    /// <param name="folder">The sweep's folder: one sub-folder per run.</param>
    /// <param name="cancellationToken">Cancels the run under way.</param>
    public static async Task<(IReadOnlyList<PrivacySweepReport.Run> Runs, ExperimentReport Plain)> RunAsync(
        Func<SimulationOptions, bool, Experiment> build, SimulationOptions options, IReadOnlyList<double> noises, string folder, CancellationToken cancellationToken)
    {
        var privacy = options.Privacy ?? throw new ArgumentException("--dp-sweep needs --dp-clip (and takes --dp-delta, --sample-rate)");
        var q = privacy.SampleRate ?? 1;
        var delta = privacy.Delta ?? PrivacySpec.DefaultDelta;
        var swept = noises.Select(z => (Z: z, Experiment: build(options with { Privacy = privacy with { NoiseMultiplier = z } }, false))).ToList();
        var plain = build(options with { Privacy = null, FractionPerRound = q < 1 ? q : null }, true);
        foreach (var (_, experiment) in swept)
        {
            experiment.ValidateRunConfig();
        }

        plain.ValidateRunConfig();
        var runs = new List<PrivacySweepReport.Run>();
        string? described = null;
        foreach (var (z, experiment) in swept)
        {
            var epsilon = RdpAccountant.Epsilon(q, z, options.Rounds, delta).Epsilon;
            AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[bold]z = {z:G6}[/] (ε = {epsilon:0.00} at δ = {delta:G4} after {options.Rounds} rounds)"));
            var report = await ExperimentConsole.RunAsync(experiment, Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"z-{z:G6}")), null, cancellationToken).ConfigureAwait(false);
            described ??= report.Settings.TryGetValue("privacy", out var text) ? text : null;
            runs.Add(new PrivacySweepReport.Run(z, epsilon, report));
        }

        AnsiConsole.MarkupLine("[bold]Without privacy[/]");
        var plainReport = await ExperimentConsole.RunAsync(plain, Path.Combine(folder, "no-privacy"), null, cancellationToken).ConfigureAwait(false);
        var common = Common(described, q, delta);
        var path = PrivacySweepReport.Write(plain.Title, common, delta, runs, plainReport, folder);
        Print(runs, plainReport, common);
        AnsiConsole.MarkupLine("Privacy–utility table: [link]{0}[/] (with one SVG per task).", Markup.Escape(Path.GetFullPath(path)));
        return (runs, plainReport);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"z = [^,]+, |; z_Δ = [^)]+")]
    private static partial System.Text.RegularExpressions.Regex ZOfRun();

    /// <summary>The settings every private run shares: the first run's description without its z.</summary>
    private static string Common(string? described, double q, double delta)
    {
        if (described is null)
        {
            return string.Create(CultureInfo.InvariantCulture, $"DP-FedAvg, q = {q:G4}, δ = {delta:G4}");
        }

        // z and z_Δ differ per run: the table gives z (and z_Δ follows from it).
        return ZOfRun().Replace(described, "");
    }

    private static void Print(List<PrivacySweepReport.Run> runs, ExperimentReport plain, string common)
    {
        AnsiConsole.MarkupLine($"[bold]privacy and utility[/]: {Markup.Escape(common)}");
        var table = new Table().AddColumns("z", "ε");
        var columns = plain.TaskMetrics.Select(t => (Task: t.Key, Metric: t.Value[0])).ToList();
        foreach (var (task, metric) in columns)
        {
            table.AddColumn(new TableColumn(Markup.Escape($"{task} {metric}")).RightAligned());
        }

        foreach (var run in runs)
        {
            table.AddRow([string.Create(CultureInfo.InvariantCulture, $"{run.NoiseMultiplier:G6}"), string.Create(CultureInfo.InvariantCulture, $"{run.Epsilon:0.00}"),
                .. columns.Select(c => run.Report.Final(ExperimentSeries.Federated, c.Task, c.Metric).ToString("F4", CultureInfo.InvariantCulture))]);
        }

        table.AddRow(["no privacy", "∞", .. columns.Select(c => plain.Final(ExperimentSeries.Federated, c.Task, c.Metric).ToString("F4", CultureInfo.InvariantCulture))]);
        AnsiConsole.Write(table);
    }
}
