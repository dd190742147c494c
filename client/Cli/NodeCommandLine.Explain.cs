using System.CommandLine;
using System.Globalization;
using Federated.Client.Training;
using Spectre.Console;

namespace Federated.Client.Cli;

/// <summary><c>recommend --explain</c> and <c>evaluate --explain</c>: what the model's gates and fields did.</summary>
public sealed partial class NodeCommandLine
{
    /// <summary>How many fields an item's explanation names per task.</summary>
    private const int TopFields = 3;

    private readonly Option<bool> _explainItems = new("--explain")
    {
        Description = "Also show, per item and task, the gate weights over experts and the fields that contributed most (gradient × input on the task's raw output)",
    };

    private readonly Option<bool> _explainGates = new("--explain") { Description = "Also show each task's gate weights over experts, averaged over the evaluated rows" };

    private void WriteRecommendationExplanations(NodeTrainingSession session, string user, IReadOnlyList<Recommendation> items)
    {
        var explanation = session.ExplainRecommendations(user, items);
        var tasks = session.Spec.Tasks;
        var gated = explanation.Levels > 0;
        // A line of its own, not the table's title: Spectre wraps a title to the table's width.
        _console.WriteLine(
            $"Why: {(gated ? $"gate weights over experts{(explanation.Levels > 1 ? $" (level {explanation.Levels - 1}, which feeds the tower)" : "")}" : "no gates (shared-bottom trunk)")}; top fields by gradient × input on the task's raw output (logit or value)");
        var table = new Table();
        table.AddColumn("#");
        table.AddColumn("item");
        table.AddColumn("task");
        if (gated)
        {
            table.AddColumn("gates");
        }

        table.AddColumn("top fields");
        for (var i = 0; i < items.Count; i++)
        {
            for (var t = 0; t < tasks.Count; t++)
            {
                var row = new List<string>
                {
                    t == 0 ? (i + 1).ToString(CultureInfo.InvariantCulture) : "",
                    t == 0 ? Markup.Escape(items[i].Item) : "",
                    Markup.Escape(tasks[t].Name),
                };
                if (gated)
                {
                    row.Add(Markup.Escape(Weights(explanation.Experts(t), explanation.GateWeights(t, i).ToArray())));
                }

                row.Add(Markup.Escape(string.Join("  ", explanation.TopFields(t, i, TopFields).Select(f => $"{f.Field} {Signed(f.Attribution)}"))));
                table.AddRow([.. row]);
            }
        }

        _console.Write(table);
    }

    private void WriteMeanGateWeights(NodeTrainingSession session, DataPart part)
    {
        var summaries = session.MeanGateWeights(part);
        if (summaries.Count == 0)
        {
            _console.WriteLine(session.Spec.Trunk.Kind == Federated.Model.Spec.TrunkKind.SharedBottom
                ? "Gate weights: no gates (shared-bottom trunk)"
                : $"Gate weights: no {part.ToString().ToLowerInvariant()} rows to average over");
            return;
        }

        var levels = summaries.Max(s => s.Level) + 1;
        _console.WriteLine($"Mean gate weights over {summaries[0].Rows} {part.ToString().ToLowerInvariant()} rows");
        var table = new Table();
        table.AddColumn("task");
        if (levels > 1)
        {
            table.AddColumn(new TableColumn("level").RightAligned());
        }

        table.AddColumn("experts");
        foreach (var summary in summaries)
        {
            var row = new List<string> { Markup.Escape(summary.Task) };
            if (levels > 1)
            {
                row.Add(summary.Level.ToString(CultureInfo.InvariantCulture));
            }

            row.Add(Markup.Escape(Weights(summary.Experts, [.. summary.MeanWeights])));
            table.AddRow([.. row]);
        }

        _console.Write(table);
    }

    private static string Weights(IReadOnlyList<string> experts, IReadOnlyList<double> weights) =>
        string.Join("  ", experts.Select((e, k) => $"{e} {weights[k].ToString("0.00", CultureInfo.InvariantCulture)}"));

    /// <summary>Always with a sign, also for a value that rounds to zero (a format with sections would print "-+0.000").</summary>
    private static string Signed(float value) => (value < 0 ? "-" : "+") + MathF.Abs(value).ToString("0.000", CultureInfo.InvariantCulture);

    private static string Weights(IReadOnlyList<string> experts, float[] weights) => Weights(experts, [.. weights.Select(w => (double)w)]);
}
