using Federated.Coordinator.Rounds;

namespace Federated.Coordinator.Bulk;

/// <summary>What <c>BeginBulkUpload</c> admitted: whose update it is, its header and which values will follow.</summary>
/// <param name="NodeId">The node the ticket was issued to (the caller <c>BeginBulkUpload</c> authenticated).</param>
/// <param name="Header">The update's admitted header.</param>
/// <param name="Tensors">Every shared tensor, in the order its values follow.</param>
/// <param name="ValueBytes">The exact number of value bytes that follow the preamble: 4 × Σ <see cref="BulkTensorPlan.Values"/>.</param>
/// <param name="Expires">After this the ticket is refused.</param>
internal sealed record BulkTicket(string NodeId, NodeUpdateHeader Header, IReadOnlyList<BulkTensorPlan> Tensors, long ValueBytes, DateTimeOffset Expires);
