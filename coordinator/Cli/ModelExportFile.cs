using System.Globalization;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos;
using Federated.Protos.V1;

namespace Federated.Coordinator.Cli;

/// <summary>
/// Writes an exported model version as a safetensors file (<see cref="SafetensorsFile"/>): every shared tensor as F32
/// with the layout's shape ([rows, columns], [columns] for a bias), and in <c>__metadata__</c> the strings
/// <see cref="MetadataKeys"/> name: format, format version, run id, model version, layout fingerprint and the model spec
/// JSON. Python reads it with <c>safetensors.numpy.load_file</c>; <c>admin start-run --init</c> and
/// <c>federated-node evaluate --model</c> read it back. (The earlier <c>FEDM</c> format is no longer written, and
/// nothing read it.)
/// </summary>
internal static class ModelExportFile
{
    /// <summary>The metadata keys of an export.</summary>
    public static class MetadataKeys
    {
        public const string Format = "format";
        public const string FormatVersion = "format_version";
        public const string RunId = "run_id";
        public const string ModelVersion = "model_version";
        public const string LayoutFingerprint = "layout_fingerprint";
        public const string ModelSpec = "model_spec";
    }

    /// <summary>The value of <see cref="MetadataKeys.Format"/>.</summary>
    public const string Format = "federated-model";

    /// <summary>
    /// Refuses an <c>--out</c> that cannot become the export before the coordinator is asked for it: a directory, or a
    /// file whose folder does not exist.
    /// </summary>
    /// <exception cref="AdminInputException">Naming the path and what is wrong.</exception>
    public static void CheckTarget(string path)
    {
        if (Directory.Exists(path))
        {
            throw new AdminInputException($"--out: '{path}' is a directory; give a file name, e.g. {Path.Combine(path, "model.safetensors")}");
        }

        if (Path.GetDirectoryName(path) is { Length: > 0 } folder && !Directory.Exists(folder))
        {
            throw new AdminInputException($"--out: the folder '{folder}' does not exist");
        }
    }

    /// <summary>Writes the stream to <paramref name="path"/> (through a temporary file beside it, renamed when complete); returns the bytes of tensor data.</summary>
    /// <exception cref="AdminInputException">The file cannot be written there (a local problem, not the coordinator's).</exception>
    public static async Task<long> WriteAsync(IAsyncEnumerable<ModelChunk> chunks, string path, CancellationToken cancellationToken)
    {
        var partial = path + ".partial";
        long bytes = 0;
        long expected = -1;
        FileStream created;
        try
        {
            created = File.Create(partial);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AdminInputException($"--out: cannot write '{path}': {e.Message}");
        }

        try
        {
            await using (var output = created)
            {
                await foreach (var chunk in chunks.WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    if (chunk.PayloadCase == ModelChunk.PayloadOneofCase.Header)
                    {
                        if (expected >= 0)
                        {
                            throw new InvalidDataException("the export stream had a second header");
                        }

                        var (header, size) = Header(chunk.Header);
                        await output.WriteAsync(header, cancellationToken).ConfigureAwait(false);
                        expected = size;
                        continue;
                    }

                    if (expected < 0)
                    {
                        throw new InvalidDataException("the export stream sent tensor values before its header");
                    }

                    if (TensorBytes.FloatCount(chunk.Tensor.Values) < 0)
                    {
                        throw new InvalidDataException($"tensor '{chunk.Tensor.Name}': a chunk is not whole float32 values");
                    }

                    // Values travel as float32 little endian on the wire too: the bytes are copied as they are.
                    await output.WriteAsync(chunk.Tensor.Values.Memory, cancellationToken).ConfigureAwait(false);
                    bytes += chunk.Tensor.Values.Length;
                }
            }

            if (expected < 0)
            {
                throw new InvalidDataException("the export stream had no header");
            }

            if (bytes != expected)
            {
                throw new InvalidDataException($"the export stream carried {bytes} bytes of values, its header announced {expected}");
            }

            try
            {
                File.Move(partial, path, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new AdminInputException($"--out: cannot write '{path}': {e.Message}");
            }

            return bytes;
        }
        finally
        {
            File.Delete(partial);
        }
    }

    /// <summary>
    /// The bytes of a safetensors file for <c>start-run --init</c>, once they read as float32 safetensors; the
    /// coordinator checks the tensors against the run's model.
    /// </summary>
    /// <exception cref="AdminInputException">The file is missing, unreadable or not a float32 safetensors file.</exception>
    public static async Task<byte[]> ReadInitAsync(FileInfo file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(file.FullName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new AdminInputException($"--init: '{file.FullName}' does not exist");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new AdminInputException($"--init: '{file.FullName}' cannot be read: {e.Message}");
        }

        try
        {
            SafetensorsFile.Read(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new AdminInputException($"--init: '{file.FullName}': {e.Message}");
        }

        return bytes;
    }

    /// <summary>The safetensors header of an export and the bytes of values it announces.</summary>
    private static (byte[] Header, long Bytes) Header(ModelHeader header)
    {
        // Shapes as the layout writes them (a bias is a vector), when the spec is there to say which tensor is which.
        var layout = header.ModelSpecJson.Length > 0 ? ParameterLayout.FromSpec(ModelSpec.FromJson(header.ModelSpecJson)) : null;
        var shapes = header.Tensors.Select(t =>
            (t.Name, layout is not null && layout.TryGet(t.Name, out var info) && info.Rows == t.Rows && info.Columns == t.Columns ? info.Shape : new[] { t.Rows, t.Columns }))
            .ToList();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [MetadataKeys.Format] = Format,
            [MetadataKeys.FormatVersion] = "1",
            [MetadataKeys.RunId] = header.RunId,
            [MetadataKeys.ModelVersion] = header.ModelVersion.ToString(CultureInfo.InvariantCulture),
            [MetadataKeys.LayoutFingerprint] = header.LayoutFingerprint,
            [MetadataKeys.ModelSpec] = header.ModelSpecJson,
        };
        return (SafetensorsFile.EncodeHeader(shapes, metadata), header.Tensors.Sum(t => (long)t.Rows * t.Columns * sizeof(float)));
    }
}
