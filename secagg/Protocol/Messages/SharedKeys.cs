namespace Federated.SecureAggregation.Protocol.Messages;

/// <summary>Phase 1, node → server: one sealed bundle for each of the sender's neighbours in U1.</summary>
public sealed record SharedKeys(int Party, IReadOnlyList<EncryptedShare> Shares);
