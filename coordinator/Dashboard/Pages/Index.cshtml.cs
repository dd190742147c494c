using Federated.Coordinator.Operations;
using Federated.Coordinator.Rounds;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Federated.Coordinator.Dashboard.Pages;

/// <summary>The overview: runs, nodes connected, rounds per minute; refreshed every few seconds.</summary>
public sealed class IndexModel : PageModel
{
    /// <summary>The window over which rounds per minute are counted, in minutes.</summary>
    public const int RateWindowMinutes = 10;

    private readonly OperatorQueries _queries;

    /// <summary>Creates the page over the shared queries.</summary>
    public IndexModel(OperatorQueries queries) => _queries = queries;

    /// <summary>The coordinator's status.</summary>
    public CoordinatorStatus Status { get; private set; } = null!;

    /// <summary>Rounds committed per minute over the last <see cref="RateWindowMinutes"/>.</summary>
    public double RoundsPerMinute { get; private set; }

    /// <summary>Every run, oldest first.</summary>
    public IReadOnlyList<RunSummary> Runs { get; private set; } = [];

    /// <summary>The whole page.</summary>
    public void OnGet() => Load();

    /// <summary>The live part only, for the page's refresh.</summary>
    public PartialViewResult OnGetLive()
    {
        Load();
        return Partial("_OverviewLive", this);
    }

    private void Load()
    {
        Status = _queries.GetStatus();
        RoundsPerMinute = _queries.RoundsPerMinute(TimeSpan.FromMinutes(RateWindowMinutes));
        Runs = _queries.Engine.ListRuns();
    }
}
