using Federated.Client.Training;
using Federated.Model.Optimization;
using Federated.Model.Parameters;

namespace Federated.Client.Tests.Training;

/// <summary>A model whose predictions stop being finite is reported as diverged (task, rows), not as a bad metric input.</summary>
public sealed class ModelDivergenceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Evaluate_GlobalModelOfNaN_ThrowsModelDivergedNamingTheFirstTaskAndTheRows()
    {
        var spec = SyntheticData.Spec();
        var client = TrainingWorkspaceTests.Client(SyntheticData.Write(_dir.Path, seed: 5, users: 4, items: 30, ratingsPerUser: 10), spec, seed: 1);
        using var workspace = new TrainingWorkspace(spec);
        var global = ParameterSet.Initialize(spec, seed: 5);
        global.Values.AsSpan().Fill(float.NaN);

        var error = Assert.Throws<ModelDivergedException>(() => workspace.Evaluate(client, global, 0, DataPart.Test));

        Assert.Equal(spec.Tasks[0].Name, error.Task);
        Assert.Equal(DataPart.Test, error.Part);
        Assert.Equal($"the model's {spec.Tasks[0].Name} predictions are not finite (NaN) on its test rows: training diverged", error.Message);
    }

    [Fact]
    public void Evaluate_OneSharedEmbeddingTableInfinite_ThrowsOnTheValidationRows()
    {
        var spec = SyntheticData.Spec();
        var client = TrainingWorkspaceTests.Client(SyntheticData.Write(_dir.Path, seed: 5, users: 4, items: 30, ratingsPerUser: 10), spec, seed: 1);
        using var workspace = new TrainingWorkspace(spec);
        var global = ParameterSet.Initialize(spec, seed: 5);
        var items = global.Layout[TensorNames.Embedding("item")];
        global.Values.AsSpan(items.Offset, items.Length).Fill(float.PositiveInfinity);

        var error = Assert.Throws<ModelDivergedException>(() => workspace.Evaluate(client, global, 0, DataPart.Validation));

        Assert.Equal(spec.Tasks[0].Name, error.Task);
        Assert.Equal(DataPart.Validation, error.Part);
        Assert.EndsWith("on its validation rows: training diverged", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_SgdAtAHugeLearningRate_ThrowsModelDivergedOnTheTrainingRows()
    {
        var spec = SyntheticData.Spec();
        var client = TrainingWorkspaceTests.Client(SyntheticData.Write(_dir.Path, seed: 5, users: 4, items: 30, ratingsPerUser: 10), spec, seed: 1);
        using var workspace = new TrainingWorkspace(spec);
        var assignment = TestPlans.Assignment(1, 0, p => p with { Optimizer = OptimizerKind.Sgd, LearningRate = 1e30f, LocalEpochs = 2, BatchSize = 8 });

        var error = Assert.Throws<ModelDivergedException>(() => workspace.Train(client, assignment, ParameterSet.Initialize(spec, seed: 5)));

        Assert.Equal(DataPart.Train, error.Part);
        Assert.Contains("training diverged", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_FiniteModel_DoesNotThrow()
    {
        var spec = SyntheticData.Spec();
        var client = TrainingWorkspaceTests.Client(SyntheticData.Write(_dir.Path, seed: 5, users: 4, items: 30, ratingsPerUser: 10), spec, seed: 1);
        using var workspace = new TrainingWorkspace(spec);

        var metrics = workspace.Evaluate(client, ParameterSet.Initialize(spec, seed: 5), 0, DataPart.Test);

        Assert.Equal(spec.Tasks.Count, metrics.Count);
    }
}
