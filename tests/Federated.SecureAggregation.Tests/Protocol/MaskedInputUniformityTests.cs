namespace Federated.SecureAggregation.Tests.Protocol;

/// <summary>What the server sees of one party without shares: a vector that looks uniform in Z_{2^32}.</summary>
public sealed class MaskedInputUniformityTests
{
    [Fact]
    public void MaskedInput_ConstantInput_BitsAreBalancedAndValuesSpreadEvenly()
    {
        const int length = 65_536;
        using var round = new SimulatedRound(parties: 10, threshold: 6, vectorLength: length, seed: 9);
        foreach (var input in round.Inputs.Values)
        {
            // The most telling input: all zeros except a constant, so any structure left would show.
            Array.Fill(input, 12345u);
        }

        round.Run();
        var masked = round.MaskedInputs[4].Values;

        // Each of the 32 bit positions is set in half the words: binomial(65 536, ½) has σ = 128; allow 5σ.
        for (var bit = 0; bit < 32; bit++)
        {
            var ones = masked.Count(v => ((v >> bit) & 1) != 0);
            Assert.InRange(ones, (length / 2) - 640, (length / 2) + 640);
        }

        // χ² of the top byte over 256 cells (255 degrees of freedom): mean 255, σ ≈ 22.6; 400 is beyond 6σ.
        var counts = new int[256];
        foreach (var v in masked)
        {
            counts[v >> 24]++;
        }

        var expected = length / 256.0;
        var chiSquare = counts.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.InRange(chiSquare, 150, 400);
        Assert.DoesNotContain(12345u, masked.Take(100));
    }
}
