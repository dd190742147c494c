using Federated.Model.Optimization;
using Federated.Model.Training;
using Federated.Protos;
using Federated.Protos.V1;
using Google.Protobuf;
using PlanMessage = Federated.Protos.V1.LocalTrainingPlan;

namespace Federated.Client.Tests.Federation;

public sealed class LocalTrainingPlanProtoTests
{
    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Momentum)]
    [InlineData(OptimizerKind.Adam)]
    public void ToPlan_OfToProtoAfterTheWire_ReturnsTheSamePlan(OptimizerKind optimizer)
    {
        var plan = new Model.Training.LocalTrainingPlan
        {
            LocalEpochs = 3,
            BatchSize = 17,
            Optimizer = optimizer,
            LearningRate = 0.003f,
            ProximalMu = 0.25f,
            ClipNorm = 2.5,
            SparseEmbeddings = false,
        };

        var wire = PlanMessage.Parser.ParseFrom(plan.ToProto().ToByteArray());

        Assert.Equal(plan, wire.ToPlan());
    }

    [Fact]
    public void ToPlan_UnspecifiedOptimizer_IsTheDefault()
    {
        var message = Model.Training.LocalTrainingPlan.Default.ToProto();
        message.Optimizer = LocalOptimizer.Unspecified;

        Assert.Equal(Model.Training.LocalTrainingPlan.Default.Optimizer, message.ToPlan().Optimizer);
    }

    [Fact]
    public void ToPlan_AbsentMessage_IsTheDefaultPlan()
    {
        Assert.Equal(Model.Training.LocalTrainingPlan.Default, ((PlanMessage?)null).ToPlan());
    }

    [Fact]
    public void ToPlan_OptimizerFromANewerCoordinator_ThrowsNamingTheKey()
    {
        var message = Model.Training.LocalTrainingPlan.Default.ToProto();
        message.Optimizer = (LocalOptimizer)42;

        Assert.Equal("optimizer", Assert.Throws<TrainingPlanException>(() => message.ToPlan()).Key);
    }

    [Fact]
    public void ToPlan_ValueOutOfBounds_ThrowsNamingTheKey()
    {
        var message = Model.Training.LocalTrainingPlan.Default.ToProto();
        message.BatchSize = 0;

        Assert.Equal("batchSize", Assert.Throws<TrainingPlanException>(() => message.ToPlan()).Key);
    }
}
