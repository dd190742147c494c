using System.Buffers.Binary;
using Federated.Coordinator.Privacy;

namespace Federated.Coordinator.Aggregation.Privacy;

/// <summary>
/// What a private run has spent and where its clip stands: the accountant's RDP per order and steps (every released
/// round composes (q, z) once), the current clip norm S, and the z, δ and q they were spent at. Stored with every
/// version (as the state of <see cref="DpFedAvgStrategy"/>), so a restarted coordinator reports the same ε and continues
/// with the same S.
/// </summary>
/// <remarks>
/// Stored form (format 1, little-endian): byte 0 the format version, int64 steps, doubles S, z, δ, q, an int32 order
/// count n, n doubles of orders, n doubles of RDP; then an int32 byte count (−1: none) and the inner strategy's state.
/// </remarks>
public sealed class PrivacyLedger
{
    /// <summary>The format version this code writes and reads.</summary>
    public const byte FormatVersion = 1;

    private PrivacyLedger(RdpAccountant accountant, double clipNorm, double noiseMultiplier, double delta, double sampleRate)
    {
        Accountant = accountant;
        ClipNorm = clipNorm;
        NoiseMultiplier = noiseMultiplier;
        Delta = delta;
        SampleRate = sampleRate;
    }

    /// <summary>The RDP spent so far (do not compose into it: use <see cref="AfterRound"/>).</summary>
    public RdpAccountant Accountant { get; }

    /// <summary>Rounds released so far.</summary>
    public long Steps => Accountant.Steps;

    /// <summary>S of the next round.</summary>
    public double ClipNorm { get; }

    /// <summary>z, as the accountant is told.</summary>
    public double NoiseMultiplier { get; }

    /// <summary>δ.</summary>
    public double Delta { get; }

    /// <summary>q.</summary>
    public double SampleRate { get; }

    /// <summary>(ε, δ) of everything released so far (ε = 0 before the first round).</summary>
    public PrivacySpent Spent => Accountant.GetPrivacySpent(Delta);

    /// <summary>The ledger of a run that has released nothing.</summary>
    /// <param name="plan">The run's privacy numbers.</param>
    /// <param name="prior">What earlier runs over the same data spent (<c>composeWith</c>): the RDP the run starts from, at 0 steps of its own; null for none.</param>
    public static PrivacyLedger Initial(PrivacyPlan plan, RdpAccountant? prior = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var accountant = prior is null ? new RdpAccountant() : new RdpAccountant(prior.Orders, prior.Rdp, 0);
        return new PrivacyLedger(accountant, plan.InitialClip, plan.NoiseMultiplier, plan.Delta, plan.SampleRate);
    }

    /// <summary>The ledger after one more released round, whose successor clips at <paramref name="nextClip"/>.</summary>
    public PrivacyLedger AfterRound(double nextClip)
    {
        var accountant = new RdpAccountant(Accountant.Orders, Accountant.Rdp, Accountant.Steps);
        accountant.Compose(SampleRate, NoiseMultiplier);
        return new PrivacyLedger(accountant, nextClip, NoiseMultiplier, Delta, SampleRate);
    }

    /// <summary>The stored form, with the inner strategy's state (or null) after it.</summary>
    public byte[] Serialize(byte[]? inner)
    {
        var orders = Accountant.Orders;
        var length = 1 + 8 + (4 * 8) + 4 + (2 * 8 * orders.Count) + 4 + (inner?.Length ?? 0);
        var blob = new byte[length];
        var span = blob.AsSpan();
        span[0] = FormatVersion;
        var offset = 1;
        BinaryPrimitives.WriteInt64LittleEndian(span[offset..], Steps);
        offset += 8;
        foreach (var value in (ReadOnlySpan<double>)[ClipNorm, NoiseMultiplier, Delta, SampleRate])
        {
            BinaryPrimitives.WriteDoubleLittleEndian(span[offset..], value);
            offset += 8;
        }

        BinaryPrimitives.WriteInt32LittleEndian(span[offset..], orders.Count);
        offset += 4;
        foreach (var list in (IReadOnlyList<double>[])[orders, Accountant.Rdp])
        {
            foreach (var value in list)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(span[offset..], value);
                offset += 8;
            }
        }

        BinaryPrimitives.WriteInt32LittleEndian(span[offset..], inner?.Length ?? -1);
        offset += 4;
        inner?.CopyTo(span[offset..]);
        return blob;
    }

    /// <summary>Reads the stored form of a run with <paramref name="plan"/>.</summary>
    /// <returns>The ledger and the inner strategy's state (null: none was stored).</returns>
    /// <exception cref="InvalidDataException">Another format version, a truncated blob, or a ledger spent at another z, δ or q than the plan's.</exception>
    public static (PrivacyLedger Ledger, byte[]? Inner) Deserialize(ReadOnlySpan<byte> blob, PrivacyPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        try
        {
            if (blob[0] != FormatVersion)
            {
                throw Refused($"its format version is {blob[0]}; this coordinator reads version {FormatVersion}");
            }

            var offset = 1;
            var steps = BinaryPrimitives.ReadInt64LittleEndian(blob[offset..]);
            offset += 8;
            var numbers = new double[4];
            for (var i = 0; i < numbers.Length; i++, offset += 8)
            {
                numbers[i] = BinaryPrimitives.ReadDoubleLittleEndian(blob[offset..]);
            }

            var count = BinaryPrimitives.ReadInt32LittleEndian(blob[offset..]);
            offset += 4;
            if (count < 1 || count > (blob.Length - offset) / 16)
            {
                throw Refused($"its order count {count} does not fit in {blob.Length} bytes");
            }

            var orders = new double[count];
            var rdp = new double[count];
            for (var i = 0; i < count; i++, offset += 8)
            {
                orders[i] = BinaryPrimitives.ReadDoubleLittleEndian(blob[offset..]);
            }

            for (var i = 0; i < count; i++, offset += 8)
            {
                rdp[i] = BinaryPrimitives.ReadDoubleLittleEndian(blob[offset..]);
            }

            var innerLength = BinaryPrimitives.ReadInt32LittleEndian(blob[offset..]);
            offset += 4;
            if (innerLength < -1 || (innerLength == -1 ? 0 : innerLength) != blob.Length - offset)
            {
                throw Refused($"it declares {innerLength} bytes of strategy state but holds {blob.Length - offset}");
            }

            var (clip, z, delta, q) = (numbers[0], numbers[1], numbers[2], numbers[3]);
            if (z != plan.NoiseMultiplier || delta != plan.Delta || q != plan.SampleRate)
            {
                throw Refused($"it was spent at z = {z}, δ = {delta}, q = {q}, not the run's z = {plan.NoiseMultiplier}, δ = {plan.Delta}, q = {plan.SampleRate}");
            }

            if (!(clip > 0) || !double.IsFinite(clip))
            {
                throw Refused($"its clip norm {clip} is not a finite number > 0");
            }

            var ledger = new PrivacyLedger(new RdpAccountant(orders, rdp, steps), clip, z, delta, q);
            return (ledger, innerLength < 0 ? null : blob[offset..].ToArray());
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException)
        {
            throw Refused(e.Message);
        }
    }

    private static InvalidDataException Refused(string reason) => new($"the stored privacy ledger cannot be used: {reason}");
}
