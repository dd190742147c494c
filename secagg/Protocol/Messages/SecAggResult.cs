namespace Federated.SecureAggregation.Protocol.Messages;

/// <summary>
/// The outcome of a round: <paramref name="Sum"/> = Σ x_u mod 2^32 over <paramref name="Contributors"/> (U3, the
/// parties whose masked input arrived), in ascending order. Decode it with the quantiser the inputs were encoded with.
/// </summary>
public sealed record SecAggResult(uint[] Sum, IReadOnlyList<int> Contributors);
