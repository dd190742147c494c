namespace Federated.SecureAggregation.Sharing;

/// <summary>One Shamir share: the polynomials' value at x = <paramref name="Index"/> (1–255), one byte per secret byte.</summary>
/// <param name="Index">The evaluation point, 1–255; in the protocol, the holder's party id.</param>
/// <param name="Value">The share bytes, as long as the secret (<see cref="ShamirSecretSharing.SecretLength"/>).</param>
public sealed record SecretShare(int Index, byte[] Value);
