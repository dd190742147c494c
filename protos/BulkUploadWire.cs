using System.Buffers.Binary;
using Federated.Protos.V1;
using Google.Protobuf;

namespace Federated.Protos;

/// <summary>
/// The byte layout of a bulk upload connection (federation.proto, <c>BeginBulkUpload</c>), shared by the node that sends
/// and the coordinator that receives: a 40-byte preamble ("FEDBULK1" and the 32-byte ticket), the values as
/// little-endian float32, then the coordinator's answer as a 4-byte little-endian length and a
/// <see cref="BulkUploadResult"/>.
/// </summary>
public static class BulkUploadWire
{
    /// <summary>Bytes of a ticket: 256 bits from a cryptographic random generator.</summary>
    public const int TicketBytes = 32;

    /// <summary>Bytes of the preamble: the 8-byte magic and the ticket.</summary>
    public const int PreambleBytes = 8 + TicketBytes;

    /// <summary>The largest answer, in bytes after its length prefix.</summary>
    public const int MaxResultBytes = 64 * 1024;

    /// <summary>The preamble's first 8 bytes, ASCII "FEDBULK1" (the trailing 1 is the version of this layout).</summary>
    public static ReadOnlySpan<byte> Magic => "FEDBULK1"u8;

    /// <summary>
    /// <paramref name="length"/> floats of <paramref name="values"/> from <paramref name="start"/> as bytes, without a
    /// copy, for a socket to read into or write from (little-endian machines only, as the wire is).
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">A big-endian machine.</exception>
    public static Memory<byte> AsBytes(float[] values, int start, int length)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + (long)length, values.Length, nameof(length));
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("bulk uploads read and write float32 values in place, which needs a little-endian machine");
        }

        return length == 0 ? Memory<byte>.Empty : new FloatBytesMemoryManager(values, start, length).Memory;
    }

    /// <summary>Writes the preamble for <paramref name="ticket"/> into <paramref name="destination"/> (≥ <see cref="PreambleBytes"/> bytes).</summary>
    /// <exception cref="ArgumentException">The ticket is not <see cref="TicketBytes"/> long.</exception>
    public static void WritePreamble(ReadOnlySpan<byte> ticket, Span<byte> destination)
    {
        if (ticket.Length != TicketBytes)
        {
            throw new ArgumentException($"a bulk ticket has {TicketBytes} bytes, not {ticket.Length}", nameof(ticket));
        }

        Magic.CopyTo(destination);
        ticket.CopyTo(destination[Magic.Length..]);
    }

    /// <summary>Writes <paramref name="result"/> with its length prefix and flushes.</summary>
    public static async Task WriteResultAsync(Stream stream, BulkUploadResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(result);
        var size = result.CalculateSize();
        var buffer = new byte[4 + size];
        BinaryPrimitives.WriteInt32LittleEndian(buffer, size);
        result.WriteTo(buffer.AsSpan(4));
        await stream.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the coordinator's answer.</summary>
    /// <exception cref="InvalidDataException">A length outside [0, <see cref="MaxResultBytes"/>] or bytes that are not a result.</exception>
    /// <exception cref="EndOfStreamException">The connection ended before the whole answer.</exception>
    public static async Task<BulkUploadResult> ReadResultAsync(Stream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var prefix = new byte[4];
        await stream.ReadExactlyAsync(prefix, cancellationToken).ConfigureAwait(false);
        var size = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        if (size is < 0 or > MaxResultBytes)
        {
            throw new InvalidDataException($"a bulk upload answer of {size} bytes is outside [0, {MaxResultBytes}]");
        }

        var body = new byte[size];
        await stream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        try
        {
            return BulkUploadResult.Parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException("the bulk upload answer is not a BulkUploadResult", e);
        }
    }

    /// <summary>The proto enum of a kebab-case rejection reason (<c>norm-too-large</c>); unspecified for a name it lacks.</summary>
    public static RejectionReason ReasonOf(string kebab)
    {
        ArgumentNullException.ThrowIfNull(kebab);
        var pascal = string.Concat(kebab.Split('-', StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
        return Enum.TryParse<RejectionReason>(pascal, ignoreCase: false, out var reason) && Enum.IsDefined(reason) ? reason : RejectionReason.Unspecified;
    }

    /// <summary>The kebab-case name of a proto rejection reason, as in the <c>federated-rejection</c> trailer.</summary>
    public static string NameOf(RejectionReason reason) =>
        System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(reason.ToString());
}
