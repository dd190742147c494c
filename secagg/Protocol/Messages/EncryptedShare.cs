namespace Federated.SecureAggregation.Protocol.Messages;

/// <summary>
/// One sealed share bundle from <paramref name="Sender"/> to <paramref name="Recipient"/>: AES-256-GCM of the
/// sender's Shamir shares at x = recipient of its self-mask seed b_u and of its mask private key s_u^SK (32 + 32 bytes),
/// so <c>12 + 64 + 16</c> bytes (<see cref="SecAggClient.SealedBundleLength"/>). The server relays it and cannot read it.
/// </summary>
public sealed record EncryptedShare(int Sender, int Recipient, byte[] Ciphertext);
