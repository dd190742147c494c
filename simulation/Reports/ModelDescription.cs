using System.Globalization;
using System.Text;
using Federated.Model.Spec;

namespace Federated.Simulation.Reports;

/// <summary>
/// One line that says what a model is, for the console header and report.md: trunk and its sizes, every field with its
/// dimension, rows (buckets or vocabulary) and scope, the numeric features, every task with its kind, tower and head
/// scope, and the regularisation. A run's report thereby states the model even when the command built it itself.
/// </summary>
public static class ModelDescription
{
    /// <summary>The description of <paramref name="spec"/>, e.g. <c>shared-bottom [32]; fields item 16d × 4096 buckets shared, …</c>.</summary>
    public static string Of(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        var trunk = spec.Trunk;
        text.Append(trunk.Kind switch
        {
            TrunkKind.Mmoe => string.Create(c, $"mmoe ({trunk.Experts} experts) [{Sizes(trunk.Hidden)}]"),
            TrunkKind.Ple => string.Create(c, $"ple ({trunk.SharedExperts} shared + {trunk.TaskExperts} per task experts, {trunk.Levels} levels) [{Sizes(trunk.Hidden)}]"),
            _ => $"shared-bottom [{Sizes(trunk.Hidden)}]",
        });
        text.Append("; fields ");
        text.AppendJoin(", ", spec.Fields.Select(f => string.Create(
            c,
            $"{f.Name} {f.Dim}d × {f.Rows} {(f.IsHashed ? "buckets" : "ids")} {Scope(f.Scope)}{(f.MultiValued ? " bag" : "")}")));
        if (spec.Numeric.Count > 0)
        {
            text.Append("; numeric ").AppendJoin(", ", spec.Numeric);
        }

        text.Append("; tasks ");
        text.AppendJoin(", ", spec.Tasks.Select(t => string.Create(
            c,
            $"{t.Name} {(t.Kind == TaskKind.Binary ? "binary" : "regression")} tower [{Sizes(t.Tower)}] head {Scope(t.Scope)}{(t.Weight == 1f ? "" : $" weight {t.Weight}")}{(t.PositiveWeight is { } w ? $" positive weight {w}" : "")}")));
        if (spec.Esmm is { } esmm)
        {
            text.Append(c, $"; ESMM {esmm.Conversion} = {esmm.Click} × p({esmm.Conversion} | {esmm.Click})");
        }

        if (spec.Interaction is { } interaction)
        {
            text.Append(c, $"; {interaction.Kind.ToString().ToLowerInvariant()} interaction of {string.Join(" and ", interaction.Fields)}");
        }

        text.Append(c, $"; L2 {spec.L2}");
        if (spec.Dropout > 0)
        {
            text.Append(c, $", dropout {spec.Dropout}");
        }

        return text.ToString();
    }

    private static string Sizes(IReadOnlyList<int> sizes) => string.Join(", ", sizes.Select(s => s.ToString(CultureInfo.InvariantCulture)));

    private static string Scope(ParameterScope scope) =>
        scope == ParameterScope.Local ? "local" : "shared";
}
