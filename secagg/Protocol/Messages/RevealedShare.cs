namespace Federated.SecureAggregation.Protocol.Messages;

/// <summary>The responder's Shamir share (32 bytes, at x = responder's id) of a secret of <paramref name="Owner"/>.</summary>
public sealed record RevealedShare(int Owner, byte[] Share);
