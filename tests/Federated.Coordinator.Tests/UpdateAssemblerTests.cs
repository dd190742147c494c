using Federated.Coordinator.Grpc;
using Federated.Coordinator.Rounds;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos;
using Federated.Protos.V1;

namespace Federated.Coordinator.Tests;

/// <summary>The assembler's buffers follow the values a node sends, never the declared size of the model.</summary>
public sealed class UpdateAssemblerTests
{
    private static readonly ParameterLayout Large = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.LargeModel)).Project(ParameterScope.Shared);

    [Fact]
    public void Add_OneValueOfALargeDenseTensor_AllocatesNothingAndBuildRefusesTheIncompleteTensor()
    {
        var assembler = new UpdateAssembler(Header(), Large);
        var table = Large["emb/item"];

        assembler.Add(TensorChunker.Dense(table.Name, [0.5f], 0, 1).Single());
        var e = Assert.Throws<RejectionException>(assembler.Build);

        Assert.Equal(4_800_000, table.Length);
        Assert.Equal(Rejection.WrongShape, e.Reason);
        Assert.Equal(0, assembler.AllocatedFloats);
    }

    [Fact]
    public void Add_FirstChunkOfEveryTensor_AllocatesNothing()
    {
        var assembler = new UpdateAssembler(Header(), Large);

        foreach (var tensor in Large.Tensors)
        {
            assembler.Add(TensorChunker.Dense(tensor.Name, [0.25f], 0, 1).Single());
        }

        Assert.Equal(0, assembler.AllocatedFloats);
    }

    [Fact]
    public void Add_ChunksOfALargeDenseTensor_ArrayAllocatedOnceHalfArrivedAndNeverMoreThanTwiceWhatArrived()
    {
        var assembler = new UpdateAssembler(Header(), Large);
        var table = Large["emb/item"];
        var values = new float[table.Length];
        var allocated = new List<long>();
        var received = 0L;

        foreach (var chunk in TensorChunker.Dense(table.Name, values, 0, table.Length, 4_000_000))
        {
            assembler.Add(chunk);
            received += TensorBytes.FloatCount(chunk.Values);
            allocated.Add(assembler.AllocatedFloats);
            Assert.True(assembler.AllocatedFloats <= 2 * received, $"{assembler.AllocatedFloats} floats allocated for {received} received");
        }

        // 4.8 M floats in chunks of 1 M: nothing until the third chunk brings 3 M ≥ half, then the whole table once.
        Assert.Equal([0, 0, table.Length, table.Length, table.Length], allocated);
    }

    [Fact]
    public void Build_DenseTensorsSentInManyChunks_ExactValuesAndOneArrayPerTensor()
    {
        var assembler = new UpdateAssembler(Header(), Large);
        var table = Large["emb/item"];
        var values = Enumerable.Range(0, table.Length).Select(i => (i % 97) * 1e-3f).ToArray();
        foreach (var tensor in Large.Tensors)
        {
            var sent = tensor == table ? values : new float[tensor.Length];
            foreach (var chunk in TensorChunker.Dense(tensor.Name, sent, 0, tensor.Length, 256 * 1024))
            {
                assembler.Add(chunk);
            }
        }

        var update = assembler.Build();

        Assert.Equal(values, update.Delta.Tensors.Single(t => t.Name == table.Name).Values);
        Assert.Equal(Large.TotalLength, assembler.AllocatedFloats);
    }

    [Fact]
    public void Build_SparseRows_ExactValuesAndOnlyTheRowsAllocated()
    {
        var assembler = new UpdateAssembler(Header(), Large);
        var table = Large["emb/item"];
        int[] rows = [3, 70_000, 599_999];
        var values = Enumerable.Range(0, rows.Length * table.Columns).Select(i => i * 0.25f).ToArray();

        foreach (var chunk in TensorChunker.Sparse(table.Name, rows, values, table.Columns))
        {
            assembler.Add(chunk);
        }

        var delta = Assert.Single(assembler.Build().Delta.Tensors);
        Assert.Equal(values.Length, assembler.AllocatedFloats);
        Assert.Equal(values, delta.Values);
        Assert.Equal(rows, delta.Rows);
    }

    [Fact]
    public void ReadHeader_TaskCountedTwice_RefusedInvalidExampleCount()
    {
        var header = new UpdateHeader { RunId = "run-1", Round = 1, NodeId = "a", UploadId = "u", Examples = 10 };
        header.TaskExamples.Add(new TaskExamples { Task = "click", Count = 1 });
        header.TaskExamples.Add(new TaskExamples { Task = "click", Count = 2 });

        var e = Assert.Throws<RejectionException>(() => UpdateAssembler.ReadHeader(header));

        Assert.Equal(Rejection.InvalidExampleCount, e.Reason);
    }

    private static NodeUpdateHeader Header() => new()
    {
        RunId = "run-1",
        Round = 1,
        BaseVersion = 0,
        NodeId = "a",
        UploadId = "u",
        Examples = 10,
        TaskExamples = new Dictionary<string, long> { ["click"] = 10 },
    };
}
