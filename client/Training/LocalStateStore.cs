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
        TensorFile.WriteAtomically(path, writer =>
        {
            TensorFile.WriteHeader(writer, Magic, FormatVersion);
            writer.Write(parameters.Layout.Fingerprint);
            writer.Write(modelVersion);
            writer.Write(round);
            TensorFile.WriteTensors(writer, parameters, ParameterScope.Local);
            writer.Write(EndMagic);
        });
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
            using var reader = TensorFile.OpenRead(path);
            TensorFile.ReadHeader(reader, Magic, FormatVersion, path, "local state");
            var fingerprint = reader.ReadString();
            if (fingerprint != parameters.Layout.Fingerprint)
            {
                throw new LocalStateException(
                    $"{path}: the local state was saved for model layout {fingerprint}, but the model now has layout {parameters.Layout.Fingerprint}; " +
                    "the model spec changed — move the state directory away to start this node afresh");
            }

            var header = new LocalStateHeader(fingerprint, reader.ReadInt64(), reader.ReadInt64());

            // Read into scratch arrays first, so a damaged file leaves the parameters untouched.
            var loaded = TensorFile.ReadTensors(reader, parameters.Layout, ParameterScope.Local, path);
            TensorFile.ReadEnd(reader, EndMagic, path);
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
