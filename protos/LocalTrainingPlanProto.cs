using Federated.Model.Optimization;
using Federated.Model.Training;

namespace Federated.Protos;

/// <summary>
/// The one mapping between <see cref="Federated.Model.Training.LocalTrainingPlan"/> and its wire form
/// <see cref="V1.LocalTrainingPlan"/>, used by the coordinator to send an assignment and by the node to read it.
/// </summary>
public static class LocalTrainingPlanProto
{
    /// <summary>The wire form of a plan.</summary>
    public static V1.LocalTrainingPlan ToProto(this Federated.Model.Training.LocalTrainingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new V1.LocalTrainingPlan
        {
            LocalEpochs = plan.LocalEpochs,
            BatchSize = plan.BatchSize,
            LearningRate = plan.LearningRate,
            ProximalMu = plan.ProximalMu,
            ClipNorm = plan.ClipNorm,
            SparseEmbeddings = plan.SparseEmbeddings,
            Optimizer = plan.Optimizer switch
            {
                OptimizerKind.Sgd => V1.LocalOptimizer.Sgd,
                OptimizerKind.Momentum => V1.LocalOptimizer.Momentum,
                OptimizerKind.Adam => V1.LocalOptimizer.Adam,
                _ => throw new ArgumentOutOfRangeException(nameof(plan), plan.Optimizer, "unknown optimizer"),
            },
        };
    }

    /// <summary>Reads and validates a plan received on the wire; an absent message is the default plan.</summary>
    /// <exception cref="TrainingPlanException">A value out of its bounds, or an optimiser this node does not know.</exception>
    public static Federated.Model.Training.LocalTrainingPlan ToPlan(this V1.LocalTrainingPlan? message)
    {
        if (message is null)
        {
            return Federated.Model.Training.LocalTrainingPlan.Default;
        }

        var plan = new Federated.Model.Training.LocalTrainingPlan
        {
            LocalEpochs = message.LocalEpochs,
            BatchSize = message.BatchSize,
            LearningRate = message.LearningRate,
            ProximalMu = message.ProximalMu,
            ClipNorm = message.ClipNorm,
            SparseEmbeddings = message.SparseEmbeddings,
            Optimizer = message.Optimizer switch
            {
                V1.LocalOptimizer.Unspecified => Federated.Model.Training.LocalTrainingPlan.Default.Optimizer,
                V1.LocalOptimizer.Sgd => OptimizerKind.Sgd,
                V1.LocalOptimizer.Momentum => OptimizerKind.Momentum,
                V1.LocalOptimizer.Adam => OptimizerKind.Adam,
                _ => throw new TrainingPlanException("optimizer", $"optimizer {(int)message.Optimizer} is not one this node knows (sgd, momentum, adam)"),
            },
        };
        plan.Validate();
        return plan;
    }
}
