using System.Buffers;
using Federated.Protos;
using Federated.Protos.V1;
using Google.Protobuf;

namespace Federated.Coordinator.Tests;

/// <summary>
/// <see cref="PooledChunkParser"/> means what protobuf's generated parser means for every message — valid, truncated
/// or mutated, in one segment or many — and keeps tensor values in pooled buffers given back once.
/// </summary>
public sealed class PooledChunkParserTests
{
    [Fact]
    public void Parse_DenseAndSparseChunks_EqualToGeneratedParser()
    {
        var random = new Random(11);
        foreach (var chunk in SampleChunks(random))
        {
            var bytes = chunk.ToByteArray();
            foreach (var segments in new[] { 1, 3, 17 })
            {
                var parsed = PooledChunkParser.ParseUpdateChunk(Split(bytes, segments, random));

                Assert.Equal(chunk, parsed);
                Assert.Equal(UpdateChunk.Parser.ParseFrom(bytes), parsed);
            }
        }
    }

    [Fact]
    public void ParseModelChunk_TensorsAndHeader_EqualToGeneratedParser()
    {
        var random = new Random(14);
        var header = new ModelChunk { Header = new ModelHeader { RunId = "r", ModelVersion = 4 } };
        var chunks = SampleChunks(random).Select(c => new ModelChunk { Tensor = c.Tensor }).Append(header);
        foreach (var chunk in chunks)
        {
            var bytes = chunk.ToByteArray();

            var parsed = PooledChunkParser.ParseModelChunk(Split(bytes, 4, random));

            Assert.Equal(chunk, parsed);
            Assert.Equal(ModelChunk.Parser.ParseFrom(bytes), parsed);
        }
    }

    [Fact]
    public void Parse_TensorChunk_ValuesInAPooledBufferReleasedOnce()
    {
        var chunk = new UpdateChunk { Tensor = new TensorChunk { Name = "emb/item", Offset = 4, Values = ByteString.CopyFrom(new byte[4096]) } };

        var parsed = PooledChunkParser.ParseUpdateChunk(new ReadOnlySequence<byte>(chunk.ToByteArray()));

        Assert.Equal(4096, parsed.Tensor.Values.Length);
        Assert.True(PooledBytes.Release(parsed.Tensor.Values));
        Assert.False(PooledBytes.Release(parsed.Tensor.Values));
        Assert.Throws<ObjectDisposedException>(() => parsed.Tensor.Values.Span.Length);
        Assert.False(PooledBytes.Release(ByteString.CopyFrom(1, 2, 3)));
    }

    [Fact]
    public async Task ReadAsync_PooledChunks_ValuesCopiedAndEveryBufferGivenBack()
    {
        float[] values = [.. Enumerable.Range(0, 600).Select(i => i * 0.5f)];
        var messages = new List<ModelChunk>
        {
            new() { Header = new ModelHeader { RunId = "r", ModelVersion = 1, Tensors = { new TensorDescriptor { Name = "t", Rows = 20, Columns = 30 } } } },
        };
        messages.AddRange(TensorChunker.Dense("t", values, 0, values.Length, 1024)
            .Select(c => PooledChunkParser.ParseModelChunk(new ReadOnlySequence<byte>(new ModelChunk { Tensor = c }.ToByteArray()))));
        var target = new float[600];

        await ModelStreamReader.ReadAsync(new ListReader<ModelChunk>(messages), _ => target);

        Assert.Equal(values, target);
        Assert.All(messages.Skip(1), m => Assert.False(PooledBytes.Release(m.Tensor.Values)));
    }

    [Fact]
    public void Parse_HeaderOrOversizedValues_LeftToTheGeneratedParser()
    {
        var header = new UpdateChunk { Header = new UpdateHeader { RunId = "r", NodeId = "n", Round = 3 } };
        var oversized = new UpdateChunk { Tensor = new TensorChunk { Name = "t", Values = ByteString.CopyFrom(new byte[TensorBytes.MaxChunkBytes + 4]) } };

        Assert.Null(PooledChunkParser.TryParseTensor(new ReadOnlySequence<byte>(header.ToByteArray())));
        Assert.Null(PooledChunkParser.TryParseTensor(new ReadOnlySequence<byte>(oversized.ToByteArray())));
        Assert.Equal(header, PooledChunkParser.ParseUpdateChunk(new ReadOnlySequence<byte>(header.ToByteArray())));
        Assert.Equal(oversized, PooledChunkParser.ParseUpdateChunk(new ReadOnlySequence<byte>(oversized.ToByteArray())));
        Assert.False(PooledBytes.Release(PooledChunkParser.ParseUpdateChunk(new ReadOnlySequence<byte>(oversized.ToByteArray())).Tensor.Values));
    }

    [Fact]
    public void Parse_EveryTruncation_SameOutcomeAsGeneratedParser()
    {
        var random = new Random(12);
        foreach (var chunk in SampleChunks(random).Take(4))
        {
            var bytes = chunk.ToByteArray();
            for (var length = 0; length < bytes.Length; length += Math.Max(1, bytes.Length / 200))
            {
                AssertSameOutcome(bytes.AsSpan(0, length).ToArray(), random);
            }
        }
    }

    [Fact]
    public void Parse_MutatedMessages_SameOutcomeAsGeneratedParser()
    {
        var random = new Random(13);
        var samples = SampleChunks(random).ToArray();
        for (var i = 0; i < 3000; i++)
        {
            var bytes = samples[i % samples.Length].ToByteArray();
            var flips = 1 + random.Next(3);
            for (var f = 0; f < flips; f++)
            {
                // Mostly the first bytes, where tags and lengths are.
                var at = random.Next(2) == 0 ? random.Next(Math.Min(40, bytes.Length)) : random.Next(bytes.Length);
                bytes[at] = (byte)random.Next(256);
            }

            AssertSameOutcome(bytes, random);
        }
    }

    private static void AssertSameOutcome(byte[] bytes, Random random)
    {
        UpdateChunk? expected = null;
        Exception? expectedError = null;
        try
        {
            expected = UpdateChunk.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            expectedError = e;
        }

        if (expectedError is not null)
        {
            Assert.Throws<InvalidProtocolBufferException>(() => PooledChunkParser.ParseUpdateChunk(Split(bytes, 1 + random.Next(5), random)));
        }
        else
        {
            Assert.Equal(expected, PooledChunkParser.ParseUpdateChunk(Split(bytes, 1 + random.Next(5), random)));
        }
    }

    private static IEnumerable<UpdateChunk> SampleChunks(Random random)
    {
        byte[] Values(int floats)
        {
            var bytes = new byte[floats * 4];
            random.NextBytes(bytes);
            return bytes;
        }

        yield return new UpdateChunk { Tensor = new TensorChunk { Name = "trunk/w0", Offset = 0, Values = ByteString.CopyFrom(Values(300)) } };
        yield return new UpdateChunk { Tensor = new TensorChunk { Name = "emb/item", Offset = 262_144, Values = ByteString.CopyFrom(Values(70_000)) } };
        var sparse = new TensorChunk { Name = "emb/user", Sparse = true, Values = ByteString.CopyFrom(Values(40)) };
        sparse.RowIds.AddRange([3, 9, 27, 81, 243]);
        yield return new UpdateChunk { Tensor = sparse };
        yield return new UpdateChunk { Tensor = new TensorChunk { Name = "empty" } };
        yield return new UpdateChunk { Tensor = new TensorChunk { Name = "ünïcode/ten·sor", Offset = 7, Values = ByteString.CopyFrom(Values(1)) } };

        // Values twice (the last wins), and an unknown field (kept by protobuf as unknown).
        var twice = new TensorChunk { Name = "twice", Values = ByteString.CopyFrom(Values(2)) }.ToByteArray()
            .Concat(new TensorChunk { Values = ByteString.CopyFrom(Values(3)) }.ToByteArray())
            .Concat(new byte[] { (9 << 3) | 0, 42, (10 << 3) | 2, 2, 1, 2 })
            .ToArray();
        var outer = new byte[] { (2 << 3) | 2 }.Concat(Varint(twice.Length)).Concat(twice).ToArray();
        yield return UpdateChunk.Parser.ParseFrom(outer);
    }

    private static byte[] Varint(int value)
    {
        var bytes = new List<byte>();
        var v = (uint)value;
        while (v >= 0x80)
        {
            bytes.Add((byte)(v | 0x80));
            v >>= 7;
        }

        bytes.Add((byte)v);
        return [.. bytes];
    }

    /// <summary>The bytes as a sequence of <paramref name="segments"/> segments cut at random places (as Kestrel's blocks cut a message).</summary>
    private static ReadOnlySequence<byte> Split(byte[] bytes, int segments, Random random)
    {
        if (segments <= 1 || bytes.Length < 2)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        var cuts = Enumerable.Range(0, segments - 1).Select(_ => random.Next(1, bytes.Length)).Distinct().Order().ToList();
        cuts.Add(bytes.Length);
        Segment? first = null;
        Segment? last = null;
        var from = 0;
        foreach (var cut in cuts)
        {
            var segment = new Segment(bytes.AsMemory(from, cut - from), last?.RunningIndex + last?.Memory.Length ?? 0);
            if (last is null)
            {
                first = segment;
            }
            else
            {
                last.SetNext(segment);
            }

            last = segment;
            from = cut;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class ListReader<T>(IReadOnlyList<T> items) : global::Grpc.Core.IAsyncStreamReader<T>
    {
        private int _next;

        public T Current { get; private set; } = default!;

        public Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (_next == items.Count)
            {
                return Task.FromResult(false);
            }

            Current = items[_next++];
            return Task.FromResult(true);
        }
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
