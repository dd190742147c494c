using Federated.Client.Training;
using Federated.Client.Training.Updates;
using Federated.Model.Parameters;
using Federated.Model.Updates;

namespace Federated.Client.Tests.Training.Updates;

/// <summary>
/// The proof that update preparation has an extension point: a new step (<see cref="HalveDelta"/>) reaches the update a
/// node sends through <see cref="NodeTrainingOptions.ExtraUpdateTransforms"/> alone, placed before or after clipping as
/// configured, with no change to the workspace or the session.
/// </summary>
public sealed class NodeUpdateExtensionTests : IDisposable
{
    private const double Bound = 0.05;
    private readonly TempDirectory _dir = new();
    private readonly string _data;

    public NodeUpdateExtensionTests()
    {
        _data = SyntheticData.Write(_dir.Path, seed: 1, users: 20, items: 30, ratingsPerUser: 10);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Train_ExtraStepWithoutClipBound_SendsHalfTheDeltaBitForBit()
    {
        var plain = Train([], clipNorm: 0);
        var halved = Train([HalveDelta.At(NodeUpdateStage.Noise)], clipNorm: 0);

        Assert.Equal(["delta"], plain.Transforms);
        Assert.Equal(["delta", "halve"], halved.Transforms);
        AssertScaled(plain.Delta, halved.Delta, 0.5f);
        Assert.Equal(plain.Delta.L2Norm() / 2, halved.NormBeforeClip, 12);
    }

    [Fact]
    public void Train_ExtraStepBeforeClip_IsClippedAfterwards()
    {
        var raw = Train([], clipNorm: 0).Delta.L2Norm();
        Assert.True(raw / 2 > Bound * 1.5, $"the test needs an update well above the bound, not {raw}");

        var update = Train([HalveDelta.At(NodeUpdateStage.Clip - 1)], Bound);

        Assert.Equal(["delta", "halve", "clip"], update.Transforms);
        Assert.Equal(raw / 2, update.NormBeforeClip, 6);
        Assert.InRange(update.Delta.L2Norm(), Bound * 0.999, Bound);
    }

    [Fact]
    public void Train_ExtraStepAfterClip_HalvesTheClippedDelta()
    {
        var raw = Train([], clipNorm: 0).Delta.L2Norm();
        var clipped = Train([], Bound);

        var update = Train([HalveDelta.At(NodeUpdateStage.Clip + 1)], Bound);

        Assert.Equal(["delta", "clip"], clipped.Transforms);
        Assert.Equal(["delta", "clip", "halve"], update.Transforms);
        Assert.Equal(raw, update.NormBeforeClip, 6);
        AssertScaled(clipped.Delta, update.Delta, 0.5f);
        Assert.InRange(update.Delta.L2Norm(), Bound / 2 * 0.999, Bound / 2);
    }

    [Fact]
    public void Train_ExtraStepOnAWorkspace_SameUpdateAsOnTheSession()
    {
        var extra = new[] { HalveDelta.At(NodeUpdateStage.Clip - 1) };
        var spec = SyntheticData.Spec();
        var options = new NodeTrainingOptions { Seed = 4, ExtraUpdateTransforms = extra };
        using var workspace = new TrainingWorkspace(spec, options);
        var client = LocalClient.InMemory(SyntheticData.Load(_data, spec), ParameterSet.Initialize(spec, seed: 4), seed: 4);

        var onWorkspace = workspace.Train(client, Assignment(Bound), ParameterSet.Initialize(spec, seed: 5));
        var onSession = Train(extra, Bound);

        Assert.Equal(onSession.Transforms, onWorkspace.Transforms);
        AssertScaled(onSession.Delta, onWorkspace.Delta, 1f);
    }

    private LocalUpdate Train(NodeUpdateTransformFactory[] extra, double clipNorm)
    {
        var data = SyntheticData.Load(_data);
        var global = ParameterSet.Initialize(data.Spec, seed: 5);
        var options = new NodeTrainingOptions { Seed = 4, ExtraUpdateTransforms = extra };
        using var session = new NodeTrainingSession(data, Path.Combine(_dir.Path, Guid.NewGuid().ToString("N")), options);
        return session.Train(Assignment(clipNorm), global);
    }

    private static TrainingAssignment Assignment(double clipNorm) =>
        TestPlans.Assignment(1, 0, p => p with { LocalEpochs = 2, BatchSize = 8, LearningRate = 0.02f, ClipNorm = clipNorm });

    private static void AssertScaled(ModelDelta expected, ModelDelta actual, float factor)
    {
        Assert.Equal(expected.Tensors.Select(t => (t.Name, t.Rows)), actual.Tensors.Select(t => (t.Name, t.Rows)));
        for (var i = 0; i < expected.Tensors.Count; i++)
        {
            Assert.Equal(expected.Tensors[i].Values.Select(v => v * factor), actual.Tensors[i].Values);
        }
    }
}
