using System.Buffers.Binary;
using System.Collections;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Federated.Coordinator.Tests.Faults;

/// <summary>
/// Seeded generator of hostile protobuf payloads for any message type, driven by its descriptor: random messages
/// (every field type, edge values, long and non-ASCII strings, large repeated counts, nested messages) and mutations
/// of valid payloads (bit flips, truncation, duplicated fields, wrong wire types, inserted bytes). Deterministic for a
/// seed; no knowledge of the coordinator beyond the <paramref name="known"/> strings it mixes in to get past lookups.
/// </summary>
/// <param name="seed">Seeds every choice.</param>
/// <param name="known">Strings that mean something to the server (ids, names, a valid config) and are picked often.</param>
internal sealed class MessageFuzzer(int seed, IReadOnlyList<string> known)
{
    private const int MaxDepth = 3;

    private static readonly long[] EdgeIntegers = [0, 1, -1, 2, 127, 128, 255, 256, 65_535, int.MaxValue, int.MinValue, uint.MaxValue, long.MaxValue, long.MinValue, 1L << 53, (1L << 53) + 1, 4_294_967_296];

    private static readonly double[] EdgeDoubles =
    [
        0, -0.0, 1, -1, 0.5, 2, 3, 10_000, double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.MaxValue, double.MinValue,
        double.Epsilon, 1e308, 1.7e308, 9_007_199_254_740_992, 9_007_199_254_740_993, 1e-300, float.MaxValue, float.Epsilon,
    ];

    private static readonly string[] Unicode = ["é", "日本語", "🙂", "\u200B", "\u202E", "e\u0301", "\0", "\t\n", "%", "\\", "\"", "'", "[x]", "../", "\uFFFD"];

    private readonly Random _random = new(seed);

    /// <summary>The random source, for the caller's own choices (which method, which mode), so one seed drives everything.</summary>
    public Random Random => _random;

    /// <summary>A message of type <paramref name="type"/> with random fields set to random or edge values.</summary>
    public IMessage Message(MessageDescriptor type, int depth = 0)
    {
        var message = type.Parser.ParseFrom(ReadOnlySpan<byte>.Empty);
        var oneofsSet = new HashSet<OneofDescriptor>();
        foreach (var field in type.Fields.InFieldNumberOrder())
        {
            if (_random.Next(3) == 0 || field.IsMap || (field.FieldType == FieldType.Message && depth >= MaxDepth))
            {
                continue;
            }

            if (field.RealContainingOneof is { } oneof && !oneofsSet.Add(oneof))
            {
                continue;
            }

            if (field.IsRepeated)
            {
                var list = (IList)field.Accessor.GetValue(message);
                var count = RepeatedCount(field.FieldType == FieldType.Message);
                for (var i = 0; i < count; i++)
                {
                    list.Add(Value(field, depth));
                }
            }
            else
            {
                field.Accessor.SetValue(message, Value(field, depth));
            }
        }

        return message;
    }

    /// <summary>A mutation of a valid <paramref name="payload"/>: the same bytes damaged in one of several ways.</summary>
    public byte[] Mutate(byte[] payload)
    {
        var bytes = payload.ToList();
        switch (_random.Next(6))
        {
            case 0:
                // Bit flips.
                for (var flips = 1 + _random.Next(4); flips > 0 && bytes.Count > 0; flips--)
                {
                    var i = _random.Next(bytes.Count);
                    bytes[i] ^= (byte)(1 << _random.Next(8));
                }

                break;
            case 1:
                // Truncation.
                return [.. payload.Take(_random.Next(payload.Length))];
            case 2:
                // Duplicated fields: protobuf merges a repeated message; a singular field takes the last value.
                return [.. payload, .. payload];
            case 3:
                // A field's wire type changed (6 and 7 are no wire type at all).
                if (TagOffsets(payload) is { Count: > 0 } tags)
                {
                    var at = tags[_random.Next(tags.Count)];
                    bytes[at] = (byte)((bytes[at] & ~7) | _random.Next(8));
                }

                break;
            case 4:
                // Random bytes inserted.
                bytes.InsertRange(_random.Next(bytes.Count + 1), Bytes(1 + _random.Next(16)));
                break;
            default:
                // A foreign field appended: an unknown field number, or a known one with a random value.
                bytes.AddRange(Varint(((ulong)_random.Next(1, 40) << 3) | (uint)_random.Next(6)));
                bytes.AddRange(Bytes(_random.Next(12)));
                break;
        }

        return [.. bytes];
    }

    /// <summary><paramref name="payload"/> compressed as <paramref name="encoding"/> names it (gzip, or zlib for deflate); other names: unchanged.</summary>
    public static byte[] Compress(byte[] payload, string encoding)
    {
        using var compressed = new MemoryStream();
        using (Stream? stream = encoding switch
        {
            "gzip" => new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true),
            "deflate" => new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true),
            _ => null,
        })
        {
            if (stream is null)
            {
                return payload;
            }

            stream.Write(payload);
        }

        return compressed.ToArray();
    }

    /// <summary>A request body: gRPC frames around <paramref name="payloads"/>, sometimes with a lying length or a bad flag.</summary>
    public byte[] Frames(IReadOnlyList<byte[]> payloads, bool mutateFraming, bool compressedFlag = false)
    {
        var body = new List<byte>();
        foreach (var payload in payloads)
        {
            body.AddRange(RawGrpcCall.Frame(payload, flag: compressedFlag ? (byte)1 : (byte)0));
        }

        if (!mutateFraming || body.Count == 0)
        {
            return [.. body];
        }

        switch (_random.Next(5))
        {
            case 4:
                // Every message twice: a second request message where a unary call expects one.
                body.AddRange([.. body]);
                break;
            case 0:
                // The first frame declares another length than it has.
                var declared = (uint)EdgeIntegers[_random.Next(EdgeIntegers.Length)];
                BinaryPrimitives.WriteUInt32BigEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(body)[1..], declared);
                break;
            case 1:
                // A compressed flag (1) without a grpc-encoding, or a flag that means nothing.
                body[0] = (byte)(1 + _random.Next(255));
                break;
            case 2:
                // The body stops inside a frame.
                var cut = 1 + _random.Next(Math.Min(body.Count, 8));
                body.RemoveRange(body.Count - cut, cut);
                break;
            default:
                // An empty body (no message at all), or a frame header alone.
                return _random.Next(2) == 0 ? [] : [0, 0, 0, 0, 0];
        }

        return [.. body];
    }

    private object Value(FieldDescriptor field, int depth) => field.FieldType switch
    {
        FieldType.String => String(),
        FieldType.Bytes => ByteString.CopyFrom(FloatBytes()),
        FieldType.Bool => _random.Next(2) == 0,
        FieldType.Double => Double(),
        FieldType.Float => (float)Double(),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => Integer(),
        FieldType.UInt64 or FieldType.Fixed64 => (ulong)Integer(),
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => (int)Integer(),
        FieldType.UInt32 or FieldType.Fixed32 => (uint)Integer(),
        FieldType.Enum => Enum.ToObject(field.EnumType.ClrType, _random.Next(3) == 0 ? (int)Integer() : field.EnumType.Values[_random.Next(field.EnumType.Values.Count)].Number),
        FieldType.Message => Message(field.MessageType, depth + 1),
        _ => throw new NotSupportedException(field.FieldType.ToString()),
    };

    /// <summary>Mostly a few elements; sometimes hundreds, and thousands for scalars (nested thousands would only test the message size limit).</summary>
    private int RepeatedCount(bool messages) => _random.Next(20) switch
    {
        0 when !messages => 1000 + _random.Next(3000),
        1 or 2 => 20 + _random.Next(messages ? 30 : 200),
        _ => _random.Next(6),
    };

    private long Integer() => _random.Next(3) switch
    {
        0 => EdgeIntegers[_random.Next(EdgeIntegers.Length)],
        1 => _random.NextInt64(long.MinValue, long.MaxValue),
        _ => _random.Next(-3, 20),
    };

    private double Double() => _random.Next(3) switch
    {
        0 => EdgeDoubles[_random.Next(EdgeDoubles.Length)],
        1 => (_random.NextDouble() - 0.5) * Math.Pow(10, _random.Next(-10, 40)),
        _ => _random.Next(0, 10),
    };

    private string String()
    {
        switch (_random.Next(8))
        {
            case 0:
            case 1:
            case 2:
                return known[_random.Next(known.Count)];
            case 3:
                return "";
            case 4:
                // Around and far beyond the id and name limits (128 and 256 characters by default).
                int[] lengths = [127, 128, 129, 256, 257, 1024, 5000, 70_000];
                return new string((char)('a' + _random.Next(26)), lengths[_random.Next(lengths.Length)]);
            case 5:
                var text = new StringBuilder();
                for (var i = _random.Next(1, 12); i > 0; i--)
                {
                    text.Append(Unicode[_random.Next(Unicode.Length)]);
                }

                return text.ToString();
            default:
                var ascii = new char[_random.Next(1, 24)];
                for (var i = 0; i < ascii.Length; i++)
                {
                    ascii[i] = (char)_random.Next(32, 127);
                }

                return new string(ascii);
        }
    }

    /// <summary>Bytes for a values field: float32 values (often whole, sometimes not a multiple of 4), edge values included.</summary>
    private byte[] FloatBytes()
    {
        var count = _random.Next(10) switch
        {
            0 => 0,
            1 => 262_145,
            2 => 1 + _random.Next(2000),
            _ => 1 + _random.Next(24),
        };
        var bytes = new byte[(count * 4) + (_random.Next(5) == 0 ? _random.Next(1, 4) : 0)];
        for (var i = 0; i + 4 <= bytes.Length; i += 4)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i), (float)Double());
        }

        return bytes;
    }

    private byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }

    /// <summary>Where the top-level field tags of a valid payload start (their first byte holds the wire type).</summary>
    private static List<int> TagOffsets(byte[] payload)
    {
        var offsets = new List<int>();
        var input = new CodedInputStream(payload);
        try
        {
            while (!input.IsAtEnd)
            {
                offsets.Add((int)input.Position);
                input.ReadTag();
                input.SkipLastField();
            }
        }
        catch (InvalidProtocolBufferException)
        {
            // Not valid after all: the offsets found so far will do.
        }

        return offsets;
    }
}
