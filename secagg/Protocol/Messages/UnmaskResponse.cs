namespace Federated.SecureAggregation.Protocol.Messages;

/// <summary>Phase 3, node → server: one self-mask share per survivor of the request and one mask-key share per dropped party.</summary>
public sealed record UnmaskResponse(int Party, IReadOnlyList<RevealedShare> SelfMaskShares, IReadOnlyList<RevealedShare> MaskKeyShares);
