using Federated.Coordinator.Operations;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Federated.Coordinator.Dashboard.Pages;

/// <summary>Enrolled nodes: connected or not, last seen, revoked, runs joined, rounds contributed.</summary>
public sealed class NodesModel : PageModel
{
    private readonly OperatorQueries _queries;

    /// <summary>Creates the page over the shared queries.</summary>
    public NodesModel(OperatorQueries queries) => _queries = queries;

    /// <summary>Every enrolled node, by id.</summary>
    public IReadOnlyList<NodeOverview> Nodes { get; private set; } = [];

    /// <summary>Reads the nodes.</summary>
    public void OnGet() => Nodes = _queries.ListNodes();
}
