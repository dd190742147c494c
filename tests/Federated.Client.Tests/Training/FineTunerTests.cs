using Federated.Client.Data;
using Federated.Client.Training;
using Federated.Model.Optimization;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Tests.Training;

public sealed class FineTunerTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A node new to a trained global model: its fresh local heads and user embeddings learn, the shared model does not move.</summary>
    [Fact]
    public void Run_SharedFrozen_LowersValidationLossAndLeavesSharedTensorsBitIdentical()
    {
        var (data, global) = TrainedGlobal();
        using var session = NewNode(data, global, "fresh-node");
        var before = session.Parameters.Clone();

        var result = FineTuner.Run(session, new FineTuneOptions { Epochs = 4, Optimizer = OptimizerKind.Adam, LearningRate = 0.01f }, seed: 3);

        Assert.True(result.Validated);
        Assert.Equal(5, result.ValidationLosses.Count);
        Assert.True(result.ValidationLosses[result.KeptEpoch] < result.ValidationLosses[0] * 0.95, $"validation loss {string.Join(" → ", result.ValidationLosses)}");
        foreach (var tensor in session.Parameters.Layout.InScope(ParameterScope.Shared))
        {
            Assert.True(before[tensor].SequenceEqual(session.Parameters[tensor]), $"shared tensor {tensor.Name} changed");
        }

        Assert.Contains(session.Parameters.Layout.InScope(ParameterScope.Local), t => !before[t].SequenceEqual(session.Parameters[t]));
    }

    [Fact]
    public void Run_All_TunesSharedTensorsToo()
    {
        var (data, global) = TrainedGlobal();
        using var session = NewNode(data, global, "all");
        var before = session.Parameters.Clone();

        var result = FineTuner.Run(session, new FineTuneOptions { Epochs = 2, TuneShared = true, Optimizer = OptimizerKind.Adam, LearningRate = 0.01f, Patience = null }, seed: 3);

        Assert.True(result.KeptEpoch > 0, $"validation loss {string.Join(" → ", result.ValidationLosses)}");
        Assert.False(before[TensorNames.Weight(TensorNames.Dense(TensorNames.Bottom, 0))].SequenceEqual(session.Parameters[TensorNames.Weight(TensorNames.Dense(TensorNames.Bottom, 0))]));
        Assert.False(before[TensorNames.Embedding("item")].SequenceEqual(session.Parameters[TensorNames.Embedding("item")]));
    }

    /// <summary>A learning rate that only makes things worse: the parameters before tuning are kept, bit for bit.</summary>
    [Fact]
    public void Run_EveryEpochWorse_KeepsTheParametersItStartedWith()
    {
        var (data, global) = TrainedGlobal();
        using var session = NewNode(data, global, "diverging");
        FineTuner.Run(session, new FineTuneOptions { Epochs = 3, Optimizer = OptimizerKind.Adam, LearningRate = 0.01f }, seed: 3);
        var tuned = session.Parameters.Clone();

        var result = FineTuner.Run(session, new FineTuneOptions { Epochs = 3, Patience = 1, LearningRate = 50f }, seed: 4);

        Assert.Equal(0, result.KeptEpoch);
        Assert.Equal(1, result.EpochsRun);
        Assert.Equal(tuned.Values, session.Parameters.Values);
    }

    [Fact]
    public void Run_SameSeed_SameParameters()
    {
        var (data, global) = TrainedGlobal();
        using var first = NewNode(data, global, "a");
        using var second = NewNode(data, global, "b");
        var options = new FineTuneOptions { Epochs = 2, Patience = null };

        FineTuner.Run(first, options, seed: 9);
        FineTuner.Run(second, options, seed: 9);

        Assert.Equal(first.Parameters.Values, second.Parameters.Values);
    }

    [Theory]
    [InlineData(0, 2, 64, 0.05f, "--epochs must be ≥ 1, not 0")]
    [InlineData(1, 0, 64, 0.05f, "--patience must be ≥ 1 epoch, not 0")]
    [InlineData(1, 2, 0, 0.05f, "--batch-size must be ≥ 1, not 0")]
    [InlineData(1, 2, 64, -1f, "--learning-rate must be a finite number > 0, not -1")]
    public void Validate_ValueOutOfBounds_ArgumentExceptionNamingTheOption(int epochs, int patience, int batch, float rate, string message)
    {
        var options = new FineTuneOptions { Epochs = epochs, Patience = patience, BatchSize = batch, LearningRate = rate };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal(message, error.Message);
    }

    /// <summary>Data of one institution and a global model trained on it for a few rounds (the finished run).</summary>
    private (NodeDataset Data, ParameterSet Global) TrainedGlobal()
    {
        var data = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 1, users: 40, items: 30, ratingsPerUser: 15));
        var global = ParameterSet.Initialize(data.Spec, seed: 5);
        using var session = new NodeTrainingSession(data, Path.Combine(_dir.Path, "federated"), new NodeTrainingOptions { Seed = 2 });
        for (var round = 1; round <= 3; round++)
        {
            session.Train(TestPlans.Assignment(round, round - 1, p => p with { LocalEpochs = 2 }), global).Delta.ApplyTo(global);
        }

        return (data, global);
    }

    private NodeTrainingSession NewNode(NodeDataset data, ParameterSet global, string name)
    {
        var session = new NodeTrainingSession(data, Path.Combine(_dir.Path, name), new NodeTrainingOptions { Seed = 8 });
        session.LoadShared(global, modelVersion: 3);
        return session;
    }
}
