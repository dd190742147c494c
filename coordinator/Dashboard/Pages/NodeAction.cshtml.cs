using Federated.Coordinator.Nodes;
using Federated.Coordinator.Operations;
using Federated.Coordinator.Runs;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Federated.Coordinator.Dashboard.Pages;

/// <summary>
/// Issues a node a token or revokes it: GET asks for confirmation, POST (with the anti-forgery token) does it; an issued
/// token is shown once in the response body, never in a URL. Operators only.
/// </summary>
[Authorize(Policy = DashboardAuthorization.ActPolicy)]
public sealed class NodeActionModel : PageModel
{
    private readonly OperatorCommands _commands;
    private readonly ILogger<NodeActionModel> _logger;

    /// <summary>Creates the page over the shared commands.</summary>
    public NodeActionModel(OperatorCommands commands, ILogger<NodeActionModel> logger)
    {
        _commands = commands;
        _logger = logger;
    }

    /// <summary><c>issue</c> or <c>revoke</c>, from the path.</summary>
    [BindProperty(SupportsGet = true)]
    public string Verb { get; set; } = "";

    /// <summary>The node, from the query (<c>?node=</c>) or the form.</summary>
    [BindProperty(SupportsGet = true, Name = "node")]
    public string NodeId { get; set; } = "";

    /// <summary>Why the action was refused, when it was.</summary>
    public string? Error { get; private set; }

    /// <summary>The token just issued (shown once).</summary>
    public string? IssuedToken { get; private set; }

    /// <summary>The page's title.</summary>
    public string Title => Verb == "issue" ? $"Issue a token to node {NodeId}" : $"Revoke the token of node {NodeId}";

    /// <summary>What the action does.</summary>
    public string Explanation => Verb == "issue"
        ? "The node is enrolled if it is new; a node that has a token gets a new one, and the old one stops working at once."
        : "The node's calls are refused from now on; the rounds it was selected for stop waiting for it. Issuing a new token enrols it again.";

    /// <summary>Asks for confirmation.</summary>
    public IActionResult OnGet()
    {
        Error = Check();
        return Page();
    }

    /// <summary>Acts: shows the issued token, or goes back to the nodes after a revocation.</summary>
    public IActionResult OnPost()
    {
        if (Check() is { } error)
        {
            Error = error;
            return Page();
        }

        if (Verb == "issue")
        {
            IssuedToken = _commands.IssueToken(NodeId);
            DashboardLog.TokenIssued(_logger, NodeId);
            return Page();
        }

        if (!_commands.RevokeToken(NodeId))
        {
            Error = $"no node '{NodeId}' is enrolled";
            return Page();
        }

        DashboardLog.TokenRevoked(_logger, NodeId);
        return LocalRedirect("/nodes");
    }

    private string? Check()
    {
        try
        {
            NodeDirectory.ValidateNodeId(NodeId);
            return null;
        }
        catch (ArgumentException e)
        {
            return ArgumentMessages.WithoutParameterName(e);
        }
    }
}
