using Federated.Coordinator.Hosting;
using Federated.Coordinator.Uploads;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Tests;

/// <summary>Upload arrays are reused, at most MaxUploadsInFlight per length, and only once the engine is done with them.</summary>
public sealed class TensorArrayPoolTests
{
    private static readonly ParameterLayout Layout = ParameterLayout.FromSpec(ModelSpec.FromJson(TestSpecs.SmallModel));

    [Fact]
    public void Rent_AfterReturn_SameArrayOfThatLengthOnly()
    {
        var pool = new TensorArrayPool(Options.Create(new CoordinatorOptions()));
        var array = pool.Rent(10);
        pool.Return(array);

        Assert.NotSame(array, pool.Rent(11));
        Assert.Same(array, pool.Rent(10));
        Assert.Equal(0, pool.Count);
    }

    [Fact]
    public void Return_MoreThanMaxUploadsInFlight_KeepsOnlyThatMany()
    {
        var pool = new TensorArrayPool(Options.Create(new CoordinatorOptions { MaxUploadsInFlight = 2 }));

        foreach (var array in Enumerable.Range(0, 5).Select(_ => new float[4]))
        {
            pool.Return(array);
        }

        Assert.Equal(2, pool.Count);
    }

    [Fact]
    public async Task SubmitUpdate_ThreeUploadsInTurn_ArraysReusedAndTheAverageExact()
    {
        await using var host = await CoordinatorTestHost.StartAsync();
        try
        {
            var pool = host.Services.GetRequiredService<TensorArrayPool>();
            var (run, nodes) = await RoundTests.StartRoundAsync(host);
            var global = await nodes[0].DownloadAsync(run, 0);
            var deltas = nodes.Select((_, k) => RoundTests.MakeDelta(k)).ToArray();
            var dense = Layout.InScope(ParameterScope.Shared).Count();

            await nodes[0].SubmitAsync(nodes[0].Header(run, 1, 0, 10, 10), FakeNode.DenseChunks(Layout, deltas[0]));
            Assert.Equal(dense, pool.Count);
            await nodes[1].SubmitAsync(nodes[1].Header(run, 1, 0, 20, 20), FakeNode.DenseChunks(Layout, deltas[1]));
            await nodes[2].SubmitAsync(nodes[2].Header(run, 1, 0, 30, 30), FakeNode.DenseChunks(Layout, deltas[2]));

            Assert.Equal(dense, pool.Count);
            var next = await nodes[0].DownloadAsync(run, 1);
            foreach (var (name, values) in next)
            {
                for (var i = 0; i < values.Length; i++)
                {
                    var expected = global[name][i] + (((10.0 * deltas[0][name][i]) + (20.0 * deltas[1][name][i]) + (30.0 * deltas[2][name][i])) / 60);
                    Assert.Equal(expected, values[i], 5);
                }
            }
        }
        finally
        {
            CoordinatorTestHost.DeleteDatabase(host.DatabasePath);
        }
    }
}
