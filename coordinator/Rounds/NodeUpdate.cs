using System.Diagnostics.CodeAnalysis;
using Federated.Model.Updates;

namespace Federated.Coordinator.Rounds;

/// <summary>A node's update for a round, as the engine sees it: its header and Δ (the gRPC adapter assembles it from chunks).</summary>
public sealed record NodeUpdate : NodeUpdateHeader
{
    /// <summary>An update whose members an object initialiser sets.</summary>
    public NodeUpdate()
    {
    }

    /// <summary>The update that <paramref name="header"/> announced, with its tensors (an upload adapter's last step).</summary>
    /// <param name="header">The admitted header; every field is copied.</param>
    /// <param name="delta">Δ of the shared tensors.</param>
    [SetsRequiredMembers]
    public NodeUpdate(NodeUpdateHeader header, ModelDelta delta)
        : base(header)
    {
        Delta = delta;
    }

    /// <summary>Δ of the shared tensors.</summary>
    public required ModelDelta Delta { get; init; }
}
