using Federated.Client.Training;
using Federated.Model.Optimization;
using Federated.Model.Training;

namespace Federated.Client.Tests.Training;

/// <summary>Plans for node tests: Adam at learning rate 0.01 without a clip bound, the settings these tests were written for.</summary>
internal static class TestPlans
{
    public static LocalTrainingPlan Node { get; } = LocalTrainingPlan.Default with { Optimizer = OptimizerKind.Adam, LearningRate = 0.01f, ClipNorm = 0 };

    public static TrainingAssignment Assignment(long round, long version, Func<LocalTrainingPlan, LocalTrainingPlan>? change = null) =>
        new() { Round = round, ModelVersion = version, Plan = change is null ? Node : change(Node) };

    /// <summary>The same assignment with its plan changed.</summary>
    public static TrainingAssignment With(this TrainingAssignment assignment, Func<LocalTrainingPlan, LocalTrainingPlan> change) =>
        assignment with { Plan = change(assignment.Plan) };
}
