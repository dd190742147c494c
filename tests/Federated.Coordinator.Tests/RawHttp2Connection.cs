using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Federated.Coordinator.Tests;

/// <summary>
/// A bare HTTP/2 client over one TCP connection (RFC 9113), for checking what the server enforces on a client that does
/// not follow its settings: it opens streams with hand-encoded HPACK headers (literals only, RFC 7541 §6.2) and reads
/// frames as they come.
/// </summary>
internal sealed class RawHttp2Connection : IDisposable
{
    public const byte Data = 0x0, Headers = 0x1, RstStream = 0x3, Settings = 0x4, GoAway = 0x7;

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private RawHttp2Connection(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>Connects, sends the preface and an empty SETTINGS frame, and returns the server's first SETTINGS (id → value), acknowledged.</summary>
    public static async Task<(RawHttp2Connection Connection, Dictionary<ushort, uint> Settings)> OpenAsync(Uri address, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port, cancellationToken);
        var connection = new RawHttp2Connection(tcp);
        await connection._stream.WriteAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray(), cancellationToken);
        await connection.WriteFrameAsync(Settings, 0, 0, [], cancellationToken);
        while (true)
        {
            var frame = await connection.ReadFrameAsync(cancellationToken) ?? throw new IOException("the server closed the connection before its SETTINGS");
            if (frame.Type == Settings && (frame.Flags & 0x1) == 0)
            {
                var settings = new Dictionary<ushort, uint>();
                for (var i = 0; i + 6 <= frame.Payload.Length; i += 6)
                {
                    settings[BinaryPrimitives.ReadUInt16BigEndian(frame.Payload.AsSpan(i))] = BinaryPrimitives.ReadUInt32BigEndian(frame.Payload.AsSpan(i + 2));
                }

                await connection.WriteFrameAsync(Settings, 0x1, 0, [], cancellationToken);
                return (connection, settings);
            }
        }
    }

    /// <summary>Opens stream <paramref name="streamId"/> with a POST to <paramref name="path"/> and the given headers; the body is never sent.</summary>
    public Task OpenStreamAsync(int streamId, string authority, string path, IReadOnlyList<(string Name, string Value)> headers, CancellationToken cancellationToken)
    {
        var block = new List<byte> { 0x83, 0x86 }; // :method POST, :scheme http (static table 3 and 6)
        Literal(block, ":path", path);
        Literal(block, ":authority", authority);
        foreach (var (name, value) in headers)
        {
            Literal(block, name, value);
        }

        return WriteFrameAsync(Headers, 0x4, streamId, [.. block], cancellationToken); // END_HEADERS, not END_STREAM
    }

    /// <summary>The next frame, or null when the server closed the connection.</summary>
    public async Task<(byte Type, byte Flags, int StreamId, byte[] Payload)?> ReadFrameAsync(CancellationToken cancellationToken)
    {
        var head = new byte[9];
        try
        {
            await _stream.ReadExactlyAsync(head, cancellationToken);
        }
        catch (EndOfStreamException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }

        var length = (head[0] << 16) | (head[1] << 8) | head[2];
        var payload = new byte[length];
        await _stream.ReadExactlyAsync(payload, cancellationToken);
        return (head[3], head[4], BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(5)) & int.MaxValue, payload);
    }

    public void Dispose() => _tcp.Dispose();

    private async Task WriteFrameAsync(byte type, byte flags, int streamId, byte[] payload, CancellationToken cancellationToken)
    {
        var head = new byte[9];
        head[0] = (byte)(payload.Length >> 16);
        head[1] = (byte)(payload.Length >> 8);
        head[2] = (byte)payload.Length;
        head[3] = type;
        head[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(head.AsSpan(5), streamId);
        await _stream.WriteAsync(head, cancellationToken);
        await _stream.WriteAsync(payload, cancellationToken);
    }

    /// <summary>A literal header field without indexing and with a literal name (RFC 7541 §6.2.2), strings not Huffman-coded.</summary>
    private static void Literal(List<byte> block, string name, string value)
    {
        block.Add(0x00);
        String(block, name);
        String(block, value);
    }

    private static void String(List<byte> block, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        var length = bytes.Length;
        if (length < 127)
        {
            block.Add((byte)length);
        }
        else
        {
            block.Add(127);
            length -= 127;
            while (length >= 128)
            {
                block.Add((byte)((length & 0x7F) | 0x80));
                length >>= 7;
            }

            block.Add((byte)length);
        }

        block.AddRange(bytes);
    }
}
