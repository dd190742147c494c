using Federated.Coordinator.Rounds;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Federated.Coordinator.Dashboard.Pages;

/// <summary>Pauses, resumes or stops a run: GET asks for confirmation, POST (with the anti-forgery token) does it. Operators only.</summary>
[Authorize(Policy = DashboardAuthorization.ActPolicy)]
public sealed class RunActionModel : PageModel
{
    private readonly RoundEngine _engine;
    private readonly ILogger<RunActionModel> _logger;

    /// <summary>Creates the page over the engine.</summary>
    public RunActionModel(RoundEngine engine, ILogger<RunActionModel> logger)
    {
        _engine = engine;
        _logger = logger;
    }

    /// <summary>The run, from the path.</summary>
    [BindProperty(SupportsGet = true)]
    public string RunId { get; set; } = "";

    /// <summary><c>pause</c>, <c>resume</c> or <c>stop</c>, from the path.</summary>
    [BindProperty(SupportsGet = true)]
    public string Verb { get; set; } = "";

    /// <summary>Why the engine refused, when it did.</summary>
    public string? Error { get; private set; }

    /// <summary>The verb as a button's label.</summary>
    public string Title => Verb switch { "pause" => "Pause", "resume" => "Resume", _ => "Stop" };

    /// <summary>What the action does.</summary>
    public string Explanation => Verb switch
    {
        "pause" => "No new round starts until the run is resumed; an open round still collects its updates and commits.",
        "resume" => "Rounds start again as nodes are available.",
        _ => "The run ends for good: an open round is abandoned and no round starts again. Its versions stay exportable.",
    };

    /// <summary>Asks for confirmation; 404 for an unknown run.</summary>
    public IActionResult OnGet() => Known() ? Page() : NotFound();

    /// <summary>Acts and goes back to the run's page; a refusal (e.g. resuming a stopped run) is shown here.</summary>
    public IActionResult OnPost()
    {
        if (!Known())
        {
            return NotFound();
        }

        try
        {
            _ = Verb switch
            {
                "pause" => _engine.Pause(RunId),
                "resume" => _engine.Resume(RunId),
                _ => _engine.Stop(RunId),
            };
        }
        catch (Exception e) when (e is RejectionException or InvalidOperationException)
        {
            // A run that cannot make this change now (resuming a running run, stopping a stopped one).
            Error = e.Message;
            return Page();
        }

        DashboardLog.RunChanged(_logger, Verb, RunId);
        return LocalRedirect("/runs/" + Uri.EscapeDataString(RunId));
    }

    private bool Known()
    {
        try
        {
            _engine.GetRun(RunId);
            return true;
        }
        catch (RejectionException e) when (e.Reason == Rejection.UnknownRun)
        {
            return false;
        }
    }
}
