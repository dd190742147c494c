using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Federated.Protos;
using Federated.Protos.V1;

namespace Federated.Coordinator.Cli;

/// <summary>
/// Writes an exported model version to a file: the magic <c>FEDM</c>, a little-endian int32 format version (1), a
/// little-endian int32 byte length of a UTF-8 JSON header (run id, version, layout fingerprint, model spec, and per
/// tensor its name, rows, columns and byte offset into the data), then the tensors' float32 little-endian values in
/// header order.
/// </summary>
internal static class ModelExportFile
{
    public static async Task<long> WriteAsync(IAsyncEnumerable<ModelChunk> chunks, string path, CancellationToken cancellationToken)
    {
        ModelHeader? header = null;
        var data = Path.GetTempFileName();
        long bytes = 0;
        try
        {
            await using (var body = File.Create(data))
            {
                await foreach (var chunk in chunks.WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    if (chunk.PayloadCase == ModelChunk.PayloadOneofCase.Header)
                    {
                        header = chunk.Header;
                        continue;
                    }

                    if (TensorBytes.FloatCount(chunk.Tensor.Values) < 0)
                    {
                        throw new InvalidDataException($"tensor '{chunk.Tensor.Name}': a chunk is not whole float32 values");
                    }

                    await body.WriteAsync(chunk.Tensor.Values.Memory, cancellationToken).ConfigureAwait(false);
                    bytes += chunk.Tensor.Values.Length;
                }
            }

            if (header is null)
            {
                throw new InvalidDataException("the export stream had no header");
            }

            var json = Encoding.UTF8.GetBytes(HeaderJson(header));
            await using var output = File.Create(path);
            var prefix = new byte[12];
            "FEDM"u8.CopyTo(prefix);
            BinaryPrimitives.WriteInt32LittleEndian(prefix.AsSpan(4), 1);
            BinaryPrimitives.WriteInt32LittleEndian(prefix.AsSpan(8), json.Length);
            await output.WriteAsync(prefix, cancellationToken).ConfigureAwait(false);
            await output.WriteAsync(json, cancellationToken).ConfigureAwait(false);
            await using (var body = File.OpenRead(data))
            {
                await body.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
            }

            return bytes;
        }
        finally
        {
            File.Delete(data);
        }
    }

    private static string HeaderJson(ModelHeader header)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("runId", header.RunId);
            writer.WriteNumber("modelVersion", header.ModelVersion);
            writer.WriteString("layoutFingerprint", header.LayoutFingerprint);
            writer.WritePropertyName("modelSpec");
            using (var spec = JsonDocument.Parse(string.IsNullOrEmpty(header.ModelSpecJson) ? "null" : header.ModelSpecJson))
            {
                spec.RootElement.WriteTo(writer);
            }

            writer.WriteStartArray("tensors");
            long offset = 0;
            foreach (var tensor in header.Tensors)
            {
                writer.WriteStartObject();
                writer.WriteString("name", tensor.Name);
                writer.WriteNumber("rows", tensor.Rows);
                writer.WriteNumber("columns", tensor.Columns);
                writer.WriteNumber("offset", offset);
                writer.WriteEndObject();
                offset += (long)tensor.Rows * tensor.Columns * sizeof(float);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
