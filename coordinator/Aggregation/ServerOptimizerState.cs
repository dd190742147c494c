using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Federated.Model.Parameters;

namespace Federated.Coordinator.Aggregation;

/// <summary>
/// The moments of a server optimiser over one layout: m (FedAvgM: the momentum buffer) and, for the adaptive ones, v;
/// one float each per parameter, at the layout's offsets. Float, as the parameters themselves are, which halves the
/// memory and storage of double moments; the arithmetic of a step is in double (see <see cref="ServerOptimizerKernels"/>).
/// </summary>
/// <remarks>
/// Stored form (format 1, little-endian): byte 0 the format version (1), byte 1 the <see cref="ServerOptimizerKind"/>,
/// an int32 byte count and the UTF-8 fingerprint of the layout, an int64 parameter count n, then n floats of m and, for
/// the adaptive ones, n floats of v. A blob of another version, kind, layout or size is refused.
/// </remarks>
internal sealed class ServerOptimizerState
{
    /// <summary>The format version this code writes and reads.</summary>
    public const byte FormatVersion = 1;

    private ServerOptimizerState(ParameterLayout layout, float[] m, float[]? v)
    {
        Layout = layout;
        M = m;
        V = v;
    }

    /// <summary>The layout the moments follow.</summary>
    public ParameterLayout Layout { get; }

    /// <summary>The first moment, one per parameter.</summary>
    public float[] M { get; }

    /// <summary>The second moment, one per parameter; null for FedAvgM.</summary>
    public float[]? V { get; }

    /// <summary>The state before the first round: m = 0, and v = τ² (the paper's v₋₁ ≥ τ²) for the adaptive ones.</summary>
    public static ServerOptimizerState Initial(ParameterLayout layout, ServerOptimizerSettings settings)
    {
        var v = settings.IsAdaptive ? new float[layout.TotalLength] : null;
        v?.AsSpan().Fill((float)(settings.Tau * settings.Tau));
        return new ServerOptimizerState(layout, new float[layout.TotalLength], v);
    }

    /// <summary>An uninitialised state of the same shape, to be written whole by <see cref="CopyTo"/>.</summary>
    public ServerOptimizerState CreateSibling() =>
        new(Layout, GC.AllocateUninitializedArray<float>(M.Length), V is null ? null : GC.AllocateUninitializedArray<float>(V.Length));

    /// <summary>Copies both moments into <paramref name="target"/>, a state of the same shape.</summary>
    public void CopyTo(ServerOptimizerState target)
    {
        M.CopyTo(target.M, 0);
        V?.CopyTo(target.V!, 0);
    }

    /// <summary>The stored form (see the remarks).</summary>
    public byte[] Serialize(ServerOptimizerKind kind)
    {
        var fingerprint = Encoding.UTF8.GetBytes(Layout.Fingerprint);
        var moments = (V is null ? 1 : 2) * (long)M.Length * sizeof(float);
        var blob = new byte[2 + 4 + fingerprint.Length + 8 + moments];
        blob[0] = FormatVersion;
        blob[1] = (byte)kind;
        BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(2), fingerprint.Length);
        fingerprint.CopyTo(blob, 6);
        var offset = 6 + fingerprint.Length;
        BinaryPrimitives.WriteInt64LittleEndian(blob.AsSpan(offset), M.Length);
        offset += 8;
        var mBytes = MemoryMarshal.AsBytes(M.AsSpan());
        WriteFloats(mBytes, blob.AsSpan(offset));
        if (V is not null)
        {
            WriteFloats(MemoryMarshal.AsBytes(V.AsSpan()), blob.AsSpan(offset + mBytes.Length));
        }

        return blob;
    }

    /// <summary>Reads the stored form for a strategy of <paramref name="settings"/> over one of <paramref name="layouts"/>.</summary>
    /// <exception cref="InvalidDataException">Another format version, optimiser, layout, or a blob of the wrong size.</exception>
    public static ServerOptimizerState Deserialize(ReadOnlySpan<byte> blob, ServerOptimizerSettings settings, params ReadOnlySpan<ParameterLayout> layouts)
    {
        if (blob.Length < 14)
        {
            throw Refused($"it is {blob.Length} bytes, shorter than its header");
        }

        if (blob[0] != FormatVersion)
        {
            throw Refused($"its format version is {blob[0]}; this coordinator reads version {FormatVersion}");
        }

        if (blob[1] != (byte)settings.Kind)
        {
            throw Refused($"it was written by optimiser {blob[1]}, not {(byte)settings.Kind} ({settings.Name})");
        }

        var fingerprintLength = BinaryPrimitives.ReadInt32LittleEndian(blob[2..]);
        if (fingerprintLength < 0 || fingerprintLength > blob.Length - 14)
        {
            throw Refused($"its layout fingerprint length {fingerprintLength} does not fit in {blob.Length} bytes");
        }

        var fingerprint = Encoding.UTF8.GetString(blob.Slice(6, fingerprintLength));
        ParameterLayout? layout = null;
        foreach (var candidate in layouts)
        {
            if (candidate.Fingerprint == fingerprint)
            {
                layout = candidate;
            }
        }

        if (layout is null)
        {
            throw Refused($"it follows layout {fingerprint}, not the run's");
        }

        var offset = 6 + fingerprintLength;
        var count = BinaryPrimitives.ReadInt64LittleEndian(blob[offset..]);
        offset += 8;
        var moments = settings.IsAdaptive ? 2 : 1;
        if (count != layout.TotalLength || blob.Length - offset != moments * count * sizeof(float))
        {
            throw Refused($"it holds {blob.Length - offset} bytes of moments for {count} parameters; {settings.Name} over this layout needs {moments} × {layout.TotalLength} floats");
        }

        var state = Initial(layout, settings);
        var width = layout.TotalLength * sizeof(float);
        ReadFloats(blob.Slice(offset, width), MemoryMarshal.AsBytes(state.M.AsSpan()));
        if (state.V is not null)
        {
            ReadFloats(blob.Slice(offset + width, width), MemoryMarshal.AsBytes(state.V.AsSpan()));
        }

        return state;
    }

    private static InvalidDataException Refused(string reason) =>
        new($"the stored server-optimiser state cannot be used: {reason}");

    // The blob is little-endian whatever the machine; on a little-endian one (every platform .NET 10 runs on today)
    // this is a plain copy.
    private static void WriteFloats(ReadOnlySpan<byte> source, Span<byte> target)
    {
        source.CopyTo(target);
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, int>(target[..source.Length]), MemoryMarshal.Cast<byte, int>(target[..source.Length]));
        }
    }

    private static void ReadFloats(ReadOnlySpan<byte> source, Span<byte> target) => WriteFloats(source, target);
}
