namespace Federated.SecureAggregation.Protocol.Messages;

/// <summary>Phase 0, node → server: a party's two fresh P-256 public keys for this round (65-byte uncompressed points).</summary>
/// <param name="Party">The sender's party id (1–255).</param>
/// <param name="EncryptionPublicKey">c_u^PK: agreed with each neighbour's into the key that encrypts share bundles.</param>
/// <param name="MaskPublicKey">s_u^PK: agreed with each neighbour's into the pairwise mask seed s_uv.</param>
public sealed record KeyAdvertisement(int Party, byte[] EncryptionPublicKey, byte[] MaskPublicKey);
