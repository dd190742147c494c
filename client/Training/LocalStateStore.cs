using System.Text;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Training;

/// <summary>
/// Saves and loads a node's local tensors (user embeddings of local fields, local task heads) in a
/// small binary file, written atomically (temp file, flush to disk, rename over the old one).
/// </summary>
/// <remarks>
/// Format, little-endian: magic <c>FEDLOCAL</c>; int32 format version (1); layout fingerprint
/// (length-prefixed UTF-8); int64 model version; int64 round; int32 tensor count; per tensor its name
/// (length-prefixed UTF-8), int32 length and that many float32; then the magic <c>ENDLOCAL</c>,
/// which detects a truncated file.
/// </remarks>
public static class LocalStateStore
{
    /// <summary>The current format version.</summary>
    public const int FormatVersion = 1;

    private static readonly byte[] Magic = "FEDLOCAL"u8.ToArray();
    private static readonly byte[] EndMagic = "ENDLOCAL"u8.ToArray();

    /// <summary>Writes the local tensors of <paramref name="parameters"/> atomically.</summary>
    /// <param name="path">The state file.</param>
    /// <param name="parameters">The node's parameters; only local-scope tensors are written.</param>
    /// <param name="modelVersion">The shared version last trained from.</param>
    /// <param name="round">The round last trained.</param>
    public static void Save(string path, ParameterSet parameters, long modelVersion, long round)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(parameters);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        var local = parameters.Layout.InScope(ParameterScope.Local).ToList();
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(parameters.Layout.Fingerprint);
            writer.Write(modelVersion);
            writer.Write(round);
            writer.Write(local.Count);
            foreach (var tensor in local)
            {
                writer.Write(tensor.Name);
                writer.Write(tensor.Length);
                foreach (var value in parameters[tensor])
                {
                    writer.Write(value);
                }
            }

            writer.Write(EndMagic);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Loads the local tensors into <paramref name="parameters"/>, if the file exists.</summary>
    /// <param name="path">The state file.</param>
    /// <param name="parameters">The node's parameters; local-scope tensors are overwritten, nothing else.</param>
    /// <returns>The file's header, or null when there is no file (a fresh node).</returns>
    /// <exception cref="LocalStateException">The file belongs to another model layout, has another format, or is damaged.</exception>
    public static LocalStateHeader? TryLoad(string path, ParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(parameters);
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
                throw new LocalStateException($"{path}: not a local state file (bad magic)");
            }

            var format = reader.ReadInt32();
            if (format != FormatVersion)
            {
                throw new LocalStateException($"{path}: format version {format}, but this node reads version {FormatVersion}");
            }

            var fingerprint = reader.ReadString();
            if (fingerprint != parameters.Layout.Fingerprint)
            {
                throw new LocalStateException(
                    $"{path}: the local state was saved for model layout {fingerprint}, but the model now has layout {parameters.Layout.Fingerprint}; " +
                    "the model spec changed — move the state directory away to start this node afresh");
            }

            var header = new LocalStateHeader(fingerprint, reader.ReadInt64(), reader.ReadInt64());
            var count = reader.ReadInt32();
            var expected = parameters.Layout.InScope(ParameterScope.Local).Count();
            if (count != expected)
            {
                throw new LocalStateException($"{path}: holds {count} local tensors, the model has {expected}");
            }

            // Read into a scratch copy first, so a damaged file leaves the parameters untouched.
            var loaded = new List<(TensorInfo Tensor, float[] Values)>(count);
            for (var i = 0; i < count; i++)
            {
                var name = reader.ReadString();
                if (!parameters.Layout.TryGet(name, out var tensor) || tensor.Scope != ParameterScope.Local)
                {
                    throw new LocalStateException($"{path}: tensor '{name}' is not a local tensor of the model");
                }

                var length = reader.ReadInt32();
                if (length != tensor.Length)
                {
                    throw new LocalStateException($"{path}: tensor '{name}' holds {length} values, the model needs {tensor.Length}");
                }

                var values = new float[length];
                for (var v = 0; v < length; v++)
                {
                    values[v] = reader.ReadSingle();
                }

                loaded.Add((tensor, values));
            }

            if (!reader.ReadBytes(EndMagic.Length).AsSpan().SequenceEqual(EndMagic))
            {
                throw new LocalStateException($"{path}: the file is damaged (no end marker)");
            }

            foreach (var (tensor, values) in loaded)
            {
                values.CopyTo(parameters[tensor]);
            }

            return header;
        }
        catch (EndOfStreamException e)
        {
            throw new LocalStateException($"{path}: the file is truncated", e);
        }
    }
}
