using Federated.Model.Updates;

namespace Federated.Coordinator.Rounds;

/// <summary>A node's update for a round, as the engine sees it: its header and Δ (the gRPC adapter assembles it from chunks).</summary>
public sealed record NodeUpdate : NodeUpdateHeader
{
    /// <summary>Δ of the shared tensors.</summary>
    public required ModelDelta Delta { get; init; }
}
