using Federated.Coordinator.Uploads;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos;
using Federated.Protos.V1;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Federated.Coordinator.Tests;

/// <summary>At most Coordinator:MaxUploadsInFlight uploads are assembled at once; the others wait without allocating.</summary>
public sealed class UploadSlotsTests
{
    private static readonly ParameterLayout Layout = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.SmallModel));

    [Fact]
    public async Task SubmitUpdate_SecondUploadWhileTheFirstHoldsTheOnlySlot_AllocatesNothingUntilTheFirstEnds()
    {
        await using var host = await CoordinatorTestHost.StartAsync(configure: builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Coordinator:MaxUploadsInFlight"] = "1" }));
        try
        {
            var slots = host.Services.GetRequiredService<UploadSlots>();
            var (run, nodes) = await RoundTests.StartRoundAsync(host);
            var table = Layout.InScope(ParameterScope.Shared).MaxBy(t => t.Length)!;
            var delta = RoundTests.MakeDelta(0, 0.01f);

            // The first upload sends half of its largest tensor in two chunks: its array is allocated, and it keeps its slot.
            using var first = host.Federation.SubmitUpdate(nodes[0].Headers);
            await first.RequestStream.WriteAsync(new UpdateChunk { Header = nodes[0].Header(run, 1, 0, 10, 10) });
            var half = table.Length / 2;
            await first.RequestStream.WriteAsync(Chunk(table.Name, delta[table.Name], 0, 1));
            await first.RequestStream.WriteAsync(Chunk(table.Name, delta[table.Name], 1, half - 1));
            await WhenAsync(slots, () => slots.AllocatedFloats == table.Length);

            // The second sends everything and waits for the slot.
            var second = nodes[1].SubmitAsync(nodes[1].Header(run, 1, 0, 10, 10), FakeNode.DenseChunks(Layout, RoundTests.MakeDelta(1, 0.01f)));
            await WhenAsync(slots, () => slots.Waiting == 1);

            Assert.Equal(table.Length, slots.AllocatedFloats);
            Assert.Equal(1, slots.InUse);
            Assert.False(second.IsCompleted);

            await first.RequestStream.WriteAsync(Chunk(table.Name, delta[table.Name], half, table.Length - half));
            foreach (var chunk in FakeNode.DenseChunks(Layout, delta).Where(c => c.Name != table.Name))
            {
                await first.RequestStream.WriteAsync(new UpdateChunk { Tensor = chunk });
            }

            await first.RequestStream.CompleteAsync();
            var firstReply = await first;
            var secondReply = await second;

            Assert.Equal(1, firstReply.UpdatesInRound);
            Assert.Equal(2, secondReply.UpdatesInRound);
            Assert.Equal(0, slots.AllocatedFloats);
            Assert.Equal(0, slots.InUse);
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }

    private static UpdateChunk Chunk(string name, float[] values, int offset, int count) =>
        new() { Tensor = new TensorChunk { Name = name, Offset = offset, Values = TensorBytes.Wrap(values, offset, count) } };

    /// <summary>Completes when <paramref name="condition"/> holds, checked at each change the slots report (no polling, no timing).</summary>
    private static async Task WhenAsync(UploadSlots slots, Func<bool> condition)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check()
        {
            if (condition())
            {
                reached.TrySetResult();
            }
        }

        slots.Changed += Check;
        try
        {
            Check();
            await reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            slots.Changed -= Check;
        }
    }
}
