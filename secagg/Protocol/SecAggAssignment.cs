using Federated.SecureAggregation.Quantization;

namespace Federated.SecureAggregation.Protocol;

/// <summary>
/// What a selected node needs, besides its training plan, to take part in a secure-aggregation round: the round's setup,
/// its own party id, and the numbers that fix how its update becomes ring elements.
/// </summary>
/// <param name="Setup">The round's setup (context, parties, threshold t, vector length, neighbours k, graph seed).</param>
/// <param name="Party">This node's party id, one of <see cref="SecAggRoundSetup.Parties"/>.</param>
/// <param name="InputNorm">
/// The L2 bound of the node's input vector, the quantiser's clip norm: √(S² + groups) for a clip norm S (see the
/// weighted update vector of the model library). With n = the number of parties it fixes
/// <see cref="FixedPointQuantizer.Scale"/>.
/// </param>
/// <param name="MaxWeight">W ≥ 1: the example count at which a node's weight a = min(w, W) / W is capped.</param>
public sealed record SecAggAssignment(SecAggRoundSetup Setup, int Party, double InputNorm, long MaxWeight)
{
    /// <summary>The fixed-point codec of this round: clip norm <see cref="InputNorm"/>, at most n = parties summands.</summary>
    public FixedPointQuantizer CreateQuantizer() => new(InputNorm, Setup.Parties.Count);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first field that is out of range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Setup);
        Setup.Validate();
        if (!Setup.Parties.Contains(Party))
        {
            throw new ArgumentException($"party {Party} is not among the round's parties", nameof(Party));
        }

        if (!double.IsFinite(InputNorm) || InputNorm <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(InputNorm), InputNorm, "the input norm must be a positive finite number");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxWeight, 1);
    }
}
