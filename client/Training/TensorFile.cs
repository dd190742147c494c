using System.Runtime.InteropServices;
using System.Text;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Training;

/// <summary>
/// The pieces shared by the node's binary state files: atomic replacement (temp file, flush to disk, rename), a magic
/// and format-version header, and tensors written as name, int32 length and little-endian float32 values.
/// </summary>
internal static class TensorFile
{
    /// <summary>Writes <paramref name="path"/> through a temp file in the same directory, flushed to disk, then renamed over it.</summary>
    public static void WriteAtomically(string path, Action<BinaryWriter> write)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            write(writer);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Opens <paramref name="path"/> for reading with the encoding the writers use.</summary>
    public static BinaryReader OpenRead(string path) =>
        new(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read), Encoding.UTF8, leaveOpen: false);

    /// <summary>Writes the magic and the format version.</summary>
    public static void WriteHeader(BinaryWriter writer, ReadOnlySpan<byte> magic, int formatVersion)
    {
        writer.Write(magic);
        writer.Write(formatVersion);
    }

    /// <summary>Checks the magic and the format version, naming the file and what it should have been.</summary>
    public static void ReadHeader(BinaryReader reader, ReadOnlySpan<byte> magic, int formatVersion, string path, string kind)
    {
        if (!reader.ReadBytes(magic.Length).AsSpan().SequenceEqual(magic))
        {
            throw new LocalStateException($"{path}: not a {kind} file (bad magic)");
        }

        var format = reader.ReadInt32();
        if (format != formatVersion)
        {
            throw new LocalStateException($"{path}: format version {format}, but this node reads version {formatVersion}");
        }
    }

    /// <summary>Writes the tensors of one scope: a count, then per tensor its name, length and values.</summary>
    public static void WriteTensors(BinaryWriter writer, ParameterSet parameters, ParameterScope scope)
    {
        var tensors = parameters.Layout.InScope(scope).ToList();
        writer.Write(tensors.Count);
        foreach (var tensor in tensors)
        {
            writer.Write(tensor.Name);
            writer.Write(tensor.Length);
            WriteFloats(writer, parameters[tensor]);
        }
    }

    /// <summary>
    /// Reads what <see cref="WriteTensors"/> wrote into fresh arrays, checking that it is exactly the tensors of
    /// <paramref name="scope"/> with their lengths; the caller copies them in once the whole file has proved sound.
    /// </summary>
    public static List<(TensorInfo Tensor, float[] Values)> ReadTensors(BinaryReader reader, ParameterLayout layout, ParameterScope scope, string path)
    {
        var count = reader.ReadInt32();
        var expected = layout.InScope(scope).Count();
        var scopeName = scope.ToString().ToLowerInvariant();
        if (count != expected)
        {
            throw new LocalStateException($"{path}: holds {count} {scopeName} tensors, the model has {expected}");
        }

        var loaded = new List<(TensorInfo Tensor, float[] Values)>(count);
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            if (!layout.TryGet(name, out var tensor) || tensor.Scope != scope)
            {
                throw new LocalStateException($"{path}: tensor '{name}' is not a {scopeName} tensor of the model");
            }

            var length = reader.ReadInt32();
            if (length != tensor.Length)
            {
                throw new LocalStateException($"{path}: tensor '{name}' holds {length} values, the model needs {tensor.Length}");
            }

            var values = new float[length];
            ReadFloats(reader, values);
            loaded.Add((tensor, values));
        }

        return loaded;
    }

    /// <summary>Checks the end marker, which detects a truncated or damaged file.</summary>
    public static void ReadEnd(BinaryReader reader, ReadOnlySpan<byte> endMagic, string path)
    {
        if (!reader.ReadBytes(endMagic.Length).AsSpan().SequenceEqual(endMagic))
        {
            throw new LocalStateException($"{path}: the file is damaged (no end marker)");
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
