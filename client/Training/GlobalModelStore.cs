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
        TensorFile.WriteAtomically(path, writer =>
        {
            TensorFile.WriteHeader(writer, Magic, FormatVersion);
            writer.Write(runId);
            writer.Write(spec.ToJson());
            writer.Write(parameters.Layout.Fingerprint);
            writer.Write(modelVersion);
            TensorFile.WriteTensors(writer, parameters, ParameterScope.Shared);
            writer.Write(EndMagic);
        });
    }

    /// <summary>The run, layout fingerprint and version the file was saved for, read from its header only; null when there is no file.</summary>
    /// <exception cref="LocalStateException">The file is truncated or of another format.</exception>
    public static GlobalModelIdentity? TryReadIdentity(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var reader = TensorFile.OpenRead(path);
            TensorFile.ReadHeader(reader, Magic, FormatVersion, path, "global model");
            var runId = reader.ReadString();
            _ = reader.ReadString();
            var fingerprint = reader.ReadString();
            return new GlobalModelIdentity(runId, fingerprint, reader.ReadInt64());
        }
        catch (EndOfStreamException e)
        {
            throw new LocalStateException($"{path}: the file is truncated", e);
        }
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
            using var reader = TensorFile.OpenRead(path);
            TensorFile.ReadHeader(reader, Magic, FormatVersion, path, "global model");
            var runId = reader.ReadString();
            // The file is where this process learns the model (evaluate, recommend): compiled here, once, and handed on.
            var model = CompiledModel.Compile(ModelSpec.FromJson(reader.ReadString()));
            var parameters = new ParameterSet(model.Layout);
            var fingerprint = reader.ReadString();
            if (fingerprint != parameters.Layout.Fingerprint)
            {
                throw new LocalStateException($"{path}: saved with layout {fingerprint}, but its spec gives {parameters.Layout.Fingerprint}");
            }

            var version = reader.ReadInt64();
            var loaded = TensorFile.ReadTensors(reader, parameters.Layout, ParameterScope.Shared, path);
            TensorFile.ReadEnd(reader, EndMagic, path);
            foreach (var (tensor, values) in loaded)
            {
                values.CopyTo(parameters[tensor]);
            }

            return new GlobalModel(runId, version, model, parameters);
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
}

/// <summary>What a saved global model belongs to: its run, its model layout and its version.</summary>
/// <param name="RunId">The run it was downloaded from.</param>
/// <param name="Fingerprint">The layout fingerprint of the run's model spec.</param>
/// <param name="ModelVersion">The global version.</param>
public sealed record GlobalModelIdentity(string RunId, string Fingerprint, long ModelVersion);
