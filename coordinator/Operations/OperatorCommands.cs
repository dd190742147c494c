using Federated.Coordinator.Nodes;
using Federated.Coordinator.Rounds;

namespace Federated.Coordinator.Operations;

/// <summary>
/// What operators change that takes more than one call into the engine or the directory: the one place both the
/// operator gRPC service and the dashboard act through. A run's pause, resume and stop are the engine's own.
/// </summary>
public sealed class OperatorCommands
{
    private readonly RoundEngine _engine;
    private readonly NodeDirectory _nodes;

    /// <summary>Creates the commands.</summary>
    public OperatorCommands(RoundEngine engine, NodeDirectory nodes)
    {
        _engine = engine;
        _nodes = nodes;
    }

    /// <summary>Enrols a node if needed and issues it a new token (the old one stops working); the token is returned once.</summary>
    /// <exception cref="ArgumentException">The node id's form is wrong (<see cref="NodeDirectory.ValidateNodeId"/>).</exception>
    public string IssueToken(string nodeId) => _nodes.IssueToken(nodeId);

    /// <summary>Revokes a node's token and releases its slots in open rounds; false when no such node is enrolled.</summary>
    public bool RevokeToken(string nodeId)
    {
        if (!_nodes.Revoke(nodeId))
        {
            return false;
        }

        // Its open rounds stop waiting for it now rather than at their deadlines.
        _engine.ReleaseRevoked(nodeId);
        return true;
    }
}
