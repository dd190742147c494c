namespace Federated.SecureAggregation.Protocol.Messages;

/// <summary>
/// Phase 0, server → one node: the advertisements of the parties in U1 (those that advertised in time) among the
/// recipient's neighbours, and the recipient's own.
/// </summary>
/// <param name="Recipient">The party the directory is for.</param>
/// <param name="Keys">One advertisement per party, in ascending party order.</param>
public sealed record KeyDirectory(int Recipient, IReadOnlyList<KeyAdvertisement> Keys);
