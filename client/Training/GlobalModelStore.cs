using System.Runtime.InteropServices;
using System.Text;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Training;

/// <summary>
/// Keeps the last global model a node downloaded (<c>global-model.bin</c> beside <c>local-state.bin</c>), so that
/// <c>evaluate</c> and <c>recommend</c> work without the coordinator. Written atomically (temp file, flush, rename).
/// </summary>
/// <remarks>
/// Format, little-endian: magic <c>FEDGLOBL</c>; int32 format version (1); run id, model spec JSON and layout
/// fingerprint (length-prefixed UTF-8); int64 version; int32 tensor count; per shared tensor its name, int32 length and
/// that many float32; then <c>ENDGLOBL</c>. Only shared tensors are in it: it holds nothing the coordinator did not send.
/// </remarks>
public static class GlobalModelStore
{
    /// <summary>The file name in a node's state directory.</summary>
    public const string FileName = "global-model.bin";

    /// <summary>The current format version.</summary>
    public const int FormatVersion = 1;

    private static readonly byte[] Magic = "FEDGLOBL"u8.ToArray();
    private static readonly byte[] EndMagic = "ENDGLOBL"u8.ToArray();

    /// <summary>Writes the shared tensors of <paramref name="parameters"/> with their run, version and spec.</summary>
    public static void Save(string path, string runId, long modelVersion, ModelSpec spec, ParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(parameters);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        var shared = parameters.Layout.InScope(ParameterScope.Shared).ToList();
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(runId);
            writer.Write(spec.ToJson());
            writer.Write(parameters.Layout.Fingerprint);
            writer.Write(modelVersion);
            writer.Write(shared.Count);
            foreach (var tensor in shared)
            {
                writer.Write(tensor.Name);
                writer.Write(tensor.Length);
                WriteFloats(writer, parameters[tensor]);
            }

            writer.Write(EndMagic);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads the file, or returns null when there is none.</summary>
    /// <exception cref="LocalStateException">The file is damaged, of another format, or does not match its own spec.</exception>
    public static GlobalModel? TryLoad(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
            {
                throw new LocalStateException($"{path}: not a global model file (bad magic)");
            }

            var format = reader.ReadInt32();
            if (format != FormatVersion)
            {
                throw new LocalStateException($"{path}: format version {format}, but this node reads version {FormatVersion}");
            }

            var runId = reader.ReadString();
            var spec = ModelSpec.FromJson(reader.ReadString());
            var parameters = new ParameterSet(ParameterLayout.FromSpec(spec));
            var fingerprint = reader.ReadString();
            if (fingerprint != parameters.Layout.Fingerprint)
            {
                throw new LocalStateException($"{path}: saved with layout {fingerprint}, but its spec gives {parameters.Layout.Fingerprint}");
            }

            var version = reader.ReadInt64();
            var count = reader.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                var name = reader.ReadString();
                if (!parameters.Layout.TryGet(name, out var tensor) || tensor.Scope != ParameterScope.Shared)
                {
                    throw new LocalStateException($"{path}: tensor '{name}' is not a shared tensor of the model");
                }

                var length = reader.ReadInt32();
                if (length != tensor.Length)
                {
                    throw new LocalStateException($"{path}: tensor '{name}' holds {length} values, the model needs {tensor.Length}");
                }

                ReadFloats(reader, parameters[tensor]);
            }

            if (count != parameters.Layout.InScope(ParameterScope.Shared).Count() || !reader.ReadBytes(EndMagic.Length).AsSpan().SequenceEqual(EndMagic))
            {
                throw new LocalStateException($"{path}: the file is damaged (tensors missing or no end marker)");
            }

            return new GlobalModel(runId, version, spec, parameters);
        }
        catch (EndOfStreamException e)
        {
            throw new LocalStateException($"{path}: the file is truncated", e);
        }
        catch (ModelSpecException e)
        {
            throw new LocalStateException($"{path}: its model spec cannot be read: {e.Message}", e);
        }
    }

    private static void WriteFloats(BinaryWriter writer, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            writer.Write(MemoryMarshal.AsBytes(values));
            return;
        }

        foreach (var value in values)
        {
            writer.Write(value);
        }
    }

    private static void ReadFloats(BinaryReader reader, Span<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            // BinaryReader reads ahead nothing, so its stream is positioned right after the tensor's length.
            reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(values));
            return;
        }

        for (var i = 0; i < values.Length; i++)
        {
            values[i] = reader.ReadSingle();
        }
    }
}
