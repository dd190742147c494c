using System.Globalization;
using Federated.Coordinator.Rounds;

namespace Federated.Coordinator.Dashboard;

/// <summary>How pages write times, figures and states (invariant culture; times in UTC).</summary>
public static class DisplayFormat
{
    /// <summary>A time as <c>yyyy-MM-dd HH:mm:ss</c> UTC, or a dash.</summary>
    public static string Time(DateTimeOffset? at) =>
        at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "–";

    /// <summary>A figure with <paramref name="digits"/> decimals.</summary>
    public static string Number(double value, int digits = 2) =>
        double.IsFinite(value) ? value.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : "–";

    /// <summary>The lower-case name of a run's state, as the CLI writes it.</summary>
    public static string State(RunStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>The lower-case name of a round's state.</summary>
    public static string State(RoundState state) => state.ToString().ToLowerInvariant();

    /// <summary>A refusal reason as the wire names it (<c>invalid-example-count</c>).</summary>
    public static string Reason(Rejection reason) => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(reason.ToString());

    /// <summary>The ε a private run has spent, with its target and δ, as <c>admin runs</c> shows it; empty when the run is not private.</summary>
    public static string Privacy(RunSummary run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Privacy is not { } spent)
        {
            return "";
        }

        return string.Create(CultureInfo.InvariantCulture, $"ε = {spent.Epsilon:0.00}{(run.TargetEpsilon is { } target ? $" of {target:G}" : "")} (δ = {spent.Delta:0.#####e+00})");
    }
}
