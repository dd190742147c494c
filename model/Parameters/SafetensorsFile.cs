using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using Federated.Model.Spec;

namespace Federated.Model.Parameters;

/// <summary>
/// Reads and writes the safetensors format (Hugging Face, https://github.com/huggingface/safetensors): an unsigned
/// 64-bit little-endian header length N, N bytes of UTF-8 JSON, then the tensors' bytes. The JSON maps each tensor's
/// name to <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> (byte offsets into the data, which the tensors cover
/// without gap or overlap) and may hold <c>"__metadata__"</c>, a map of strings. Only <c>F32</c> (float32, little
/// endian) is written or read. Python reads a file with <c>safetensors.numpy.load_file(path)</c>.
/// </summary>
public static class SafetensorsFile
{
    /// <summary>The metadata key of the header.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>Largest JSON header accepted, in bytes (the reference implementation's limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string Float32 = "F32";

    /// <summary>
    /// The 8-byte length and the JSON header for tensors of <paramref name="shapes"/> laid out in that order, padded with
    /// spaces to a multiple of 8 bytes so that the data that follows is aligned.
    /// </summary>
    /// <param name="shapes">Each tensor's name and shape, in the order of their data.</param>
    /// <param name="metadata">String metadata, or null.</param>
    public static byte[] EncodeHeader(IReadOnlyList<(string Name, int[] Shape)> shapes, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        using var json = new MemoryStream();
        // Relaxed escaping: the header is read by JSON parsers, never embedded in HTML, so quotes in metadata stay \" not \u0022.
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(m => m.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach (var (name, shape) in shapes)
            {
                if (name == MetadataKey || shape.Any(d => d < 0))
                {
                    throw new ArgumentException($"tensor '{name}': a name other than {MetadataKey} and non-negative dimensions are needed", nameof(shapes));
                }

                var bytes = shape.Aggregate(1L, (n, d) => n * d) * sizeof(float);
                writer.WriteStartObject(name);
                writer.WriteString("dtype", Float32);
                writer.WriteStartArray("shape");
                foreach (var d in shape)
                {
                    writer.WriteNumberValue(d);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + bytes);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += bytes;
            }

            writer.WriteEndObject();
        }

        var length = (json.Length + 7) / 8 * 8;
        var header = new byte[8 + length];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)length);
        json.ToArray().CopyTo(header, 8);
        header.AsSpan(8 + (int)json.Length).Fill((byte)' ');
        return header;
    }

    /// <summary>Writes a whole file: the header for <paramref name="tensors"/>, then their values as float32 little endian.</summary>
    public static void Write(Stream stream, IReadOnlyList<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        stream.Write(EncodeHeader([.. tensors.Select(t => (t.Name, t.Shape))], metadata));
        foreach (var tensor in tensors)
        {
            WriteValues(stream, tensor.Values);
        }
    }

    /// <summary>Writes float32 values little endian.</summary>
    public static void WriteValues(Stream stream, ReadOnlySpan<float> values)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }

        Span<byte> buffer = stackalloc byte[4];
        foreach (var v in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(buffer, v);
            stream.Write(buffer);
        }
    }

    /// <summary>Reads and checks a whole file: header form, F32 only, offsets inside the data and covering it exactly, shapes matching sizes.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a float32 safetensors file; the message names the problem.</exception>
    public static (IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<SafetensorsTensor> Tensors) Read(ReadOnlySpan<byte> file)
    {
        if (file.Length < 8)
        {
            throw new InvalidDataException($"not a safetensors file: {file.Length} bytes, fewer than the 8 of the header length");
        }

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength < 2 || headerLength > MaxHeaderBytes || headerLength > (ulong)(file.Length - 8))
        {
            throw new InvalidDataException($"not a safetensors file: header length {headerLength} is not within the file ({file.Length} bytes) and {MaxHeaderBytes} bytes");
        }

        var data = file[(8 + (int)headerLength)..];
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<(string Name, int[] Shape, long Begin, long End)>();
        try
        {
            using var header = JsonDocument.Parse(file.Slice(8, (int)headerLength).ToArray());
            if (header.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException("safetensors header: not a JSON object");
            }

            foreach (var property in header.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    foreach (var item in property.Value.EnumerateObject())
                    {
                        metadata[item.Name] = item.Value.ValueKind == JsonValueKind.String ? item.Value.GetString()! : throw new InvalidDataException($"safetensors header: metadata '{item.Name}' is not a string");
                    }

                    continue;
                }

                entries.Add(ReadEntry(property));
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"safetensors header: not valid JSON ({e.Message})", e);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidDataException($"safetensors header: unexpected JSON ({e.Message})", e);
        }

        // As the reference implementation demands: the tensors tile the data exactly.
        long end = 0;
        foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (entry.Begin != end)
            {
                throw new InvalidDataException($"safetensors tensor '{entry.Name}': data_offsets start at {entry.Begin}, not at {end} where the previous tensor ends");
            }

            end = entry.End;
        }

        if (end != data.Length)
        {
            throw new InvalidDataException($"safetensors data: {data.Length} bytes after the header, but the tensors cover {end}");
        }

        var tensors = new List<SafetensorsTensor>(entries.Count);
        foreach (var (name, shape, begin, stop) in entries)
        {
            var bytes = data[(int)begin..(int)stop];
            var values = new float[bytes.Length / sizeof(float)];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
            }

            tensors.Add(new SafetensorsTensor(name, shape, values));
        }

        return (metadata, tensors);
    }

    /// <summary>
    /// Fills the shared tensors of <paramref name="target"/> from <paramref name="tensors"/>: every shared tensor must be
    /// there once, with the layout's shape (<see cref="TensorInfo.Shape"/>; a matrix with one row may be written as a
    /// vector) and finite values, and no other tensor may be. Local tensors are left as they are.
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor is missing, unexpected, of another shape, or not finite.</exception>
    public static void FillShared(ParameterSet target, IReadOnlyList<SafetensorsTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(tensors);
        var byName = new Dictionary<string, SafetensorsTensor>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            if (!target.Layout.TryGet(tensor.Name, out var info) || info.Scope != ParameterScope.Shared)
            {
                throw new InvalidDataException($"tensor '{tensor.Name}' is not a shared tensor of the model");
            }

            byName[tensor.Name] = tensor;
        }

        foreach (var info in target.Layout.InScope(ParameterScope.Shared))
        {
            if (!byName.TryGetValue(info.Name, out var tensor))
            {
                throw new InvalidDataException($"tensor '{info.Name}' of the model is missing");
            }

            var vector = info.Rows == 1 && tensor.Shape.Length == 1 && tensor.Shape[0] == info.Columns;
            if (!tensor.Shape.SequenceEqual(info.Shape) && !tensor.Shape.SequenceEqual([info.Rows, info.Columns]) && !vector)
            {
                throw new InvalidDataException($"tensor '{info.Name}' has shape [{string.Join(", ", tensor.Shape)}], the model's is [{string.Join(", ", info.Shape)}]");
            }

            if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(tensor.Values))
            {
                throw new InvalidDataException($"tensor '{info.Name}' has a NaN or infinite value");
            }

            tensor.Values.CopyTo(target[info]);
        }
    }

    private static (string Name, int[] Shape, long Begin, long End) ReadEntry(JsonProperty property)
    {
        var name = property.Name;
        var entry = property.Value;
        if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("dtype", out var dtype) || !entry.TryGetProperty("shape", out var shapeJson) || !entry.TryGetProperty("data_offsets", out var offsets))
        {
            throw new InvalidDataException($"safetensors tensor '{name}': dtype, shape and data_offsets are needed");
        }

        if (dtype.GetString() != Float32)
        {
            throw new InvalidDataException($"safetensors tensor '{name}': dtype {dtype.GetString()}, only F32 (float32) is read");
        }

        var shape = shapeJson.EnumerateArray().Select(d => d.TryGetInt32(out var n) && n >= 0 ? n : throw new InvalidDataException($"safetensors tensor '{name}': a dimension is not a non-negative 32-bit integer")).ToArray();
        var bounds = offsets.EnumerateArray().Select(o => o.TryGetInt64(out var n) && n >= 0 ? n : throw new InvalidDataException($"safetensors tensor '{name}': an offset is not a non-negative integer")).ToArray();
        if (bounds.Length != 2 || bounds[1] < bounds[0])
        {
            throw new InvalidDataException($"safetensors tensor '{name}': data_offsets must be [begin, end] with begin ≤ end");
        }

        // Multiplied with a ceiling, so that a shape of many large dimensions cannot overflow into a small size.
        var elements = shape.Aggregate(1L, (n, d) => Math.Min(n * d, (long)Array.MaxLength + 1));
        if (elements > Array.MaxLength || elements * sizeof(float) != bounds[1] - bounds[0])
        {
            throw new InvalidDataException($"safetensors tensor '{name}': shape [{string.Join(", ", shape)}] needs {elements * sizeof(float)} bytes, data_offsets give {bounds[1] - bounds[0]}");
        }

        return (name, shape, bounds[0], bounds[1]);
    }
}
