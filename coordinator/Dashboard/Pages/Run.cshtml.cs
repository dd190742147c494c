using Federated.Coordinator.Operations;
using Federated.Coordinator.Rounds;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Federated.Coordinator.Dashboard.Pages;

/// <summary>A run: its state, learning curves, refusals and round timeline; the live part is refreshed on every engine event of the run.</summary>
public sealed class RunModel : PageModel
{
    /// <summary>Most rounds listed, newest first; the rest are counted.</summary>
    public const int MaxRoundsShown = 200;

    private readonly OperatorQueries _queries;
    private readonly LearningCurveCharts _charts;
    private readonly RejectionTally _rejections;

    /// <summary>Creates the page over the shared queries.</summary>
    public RunModel(OperatorQueries queries, LearningCurveCharts charts, RejectionTally rejections)
    {
        _queries = queries;
        _charts = charts;
        _rejections = rejections;
    }

    /// <summary>The run's id, from the path.</summary>
    [BindProperty(SupportsGet = true)]
    public string RunId { get; set; } = "";

    /// <summary>The run.</summary>
    public RunSummary Run { get; private set; } = null!;

    /// <summary>Its newest rounds first, at most <see cref="MaxRoundsShown"/>.</summary>
    public IReadOnlyList<RoundOverview> Rounds { get; private set; } = [];

    /// <summary>Rounds older than those shown.</summary>
    public int RoundsHidden { get; private set; }

    /// <summary>The (task, figure) charts the run has data for.</summary>
    public IReadOnlyList<(string Task, string Figure)> Charts { get; private set; } = [];

    /// <summary>Changes whenever the charts' data may have (so the browser fetches them again).</summary>
    public string ChartStamp { get; private set; } = "";

    /// <summary>Refused updates by reason since the coordinator started.</summary>
    public IReadOnlyList<KeyValuePair<Rejection, long>> Rejections { get; private set; } = [];

    /// <summary>The whole page; 404 for an unknown run.</summary>
    public IActionResult OnGet() => Load() ? Page() : NotFound();

    /// <summary>The live part only.</summary>
    public IActionResult OnGetLive() => Load() ? Partial("_RunLive", this) : NotFound();

    private bool Load()
    {
        try
        {
            Run = _queries.Engine.GetRun(RunId);
            var rounds = _queries.ListRounds(RunId);
            Rounds = rounds.Reverse().Take(MaxRoundsShown).ToList();
            RoundsHidden = rounds.Count - Rounds.Count;
            Charts = _charts.List(RunId);
            ChartStamp = $"{Run.ModelVersion}-{_queries.Engine.GetMetrics(RunId).Count}";
            Rejections = _rejections.ForRun(RunId);
            return true;
        }
        catch (RejectionException e) when (e.Reason == Rejection.UnknownRun)
        {
            return false;
        }
    }
}
