using System.Buffers.Binary;
using System.Text;
using Federated.Model.Parameters;

namespace Federated.Model.Tests.Parameters;

public sealed class SafetensorsFileTests
{
    [Fact]
    public void Read_WrittenFile_SameTensorsAndMetadata()
    {
        var tensors = new[] { new SafetensorsTensor("a", [2, 3], [1, 2, 3, 4, 5, 6]), new SafetensorsTensor("b", [3], [-1.5f, 0, float.Epsilon]), new SafetensorsTensor("empty", [0, 4], []) };
        using var stream = new MemoryStream();

        SafetensorsFile.Write(stream, tensors, new Dictionary<string, string> { ["k"] = "v \"quoted\"" });
        var (metadata, read) = SafetensorsFile.Read(stream.ToArray());

        Assert.Equal(0, (stream.Length - 8 - (3 * 4) - (6 * 4)) % 8);
        Assert.Equal("v \"quoted\"", metadata["k"]);
        Assert.Equal(tensors.Select(t => t.Name), read.Select(t => t.Name));
        for (var i = 0; i < tensors.Length; i++)
        {
            Assert.Equal(tensors[i].Shape, read[i].Shape);
            Assert.Equal(tensors[i].Values, read[i].Values);
        }
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}}""", 8, "dtype F16")]
    [InlineData("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8, "needs 12 bytes")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "start at 4, not at 0")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8, "cover 4")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4, "not at 4")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4, "non-negative")]
    [InlineData("""{"a":{"dtype":"F32","shape":[65536,65536,65536],"data_offsets":[0,4]}}""", 4, "needs")]
    [InlineData("""{"__metadata__":{"k":1}}""", 0, "metadata 'k' is not a string")]
    [InlineData("""[1,2]""", 0, "not a JSON object")]
    [InlineData("""{"a":""", 0, "not valid JSON")]
    public void Read_Malformed_InvalidDataNamingTheProblem(string header, int dataBytes, string expected)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);

        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(file));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(1000UL)]
    [InlineData(ulong.MaxValue)]
    public void Read_HeaderLengthOutsideTheFile_InvalidData(ulong length)
    {
        var file = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(file, length);

        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(file));

        Assert.Contains("header length", error.Message, StringComparison.Ordinal);
    }
}
