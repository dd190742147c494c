namespace Federated.SecureAggregation.Protocol.Messages;

/// <summary>
/// Phase 2, node → server: y_u = x_u + PRG(b_u) + Σ_{v&lt;u} PRG(s_uv) − Σ_{v&gt;u} PRG(s_uv) mod 2^32, over the
/// sender's neighbours v in U2; <paramref name="Values"/> has the round's vector length.
/// </summary>
public sealed record MaskedInput(int Party, uint[] Values);
