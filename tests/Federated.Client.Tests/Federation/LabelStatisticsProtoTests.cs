using Federated.Model.Spec;
using Federated.Protos;
using Federated.Protos.V1;
using Google.Protobuf;

namespace Federated.Client.Tests.Federation;

public sealed class LabelStatisticsProtoTests
{
    [Fact]
    public void FromProto_OfToProtoAfterTheWire_ReturnsTheSameStatisticsInOrder()
    {
        TaskLabelStatistics[] statistics = [new("rating", new OutputBiasStatistics(12_345, 41_234.5)), new("like", new OutputBiasStatistics(0, 0)), new("like", new OutputBiasStatistics(-3, double.NaN))];

        var wire = LabelStatisticsSubmission.Parser.ParseFrom(LabelStatisticsProto.ToProto("run-4", 7, statistics).ToByteArray());

        Assert.Equal(("run-4", 7L), (wire.RunId, wire.Round));
        var back = LabelStatisticsProto.FromProto(wire);
        Assert.Equal(statistics.Select(s => s.Task), back.Select(s => s.Task));
        Assert.Equal(statistics.Select(s => s.Statistics), back.Select(s => s.Statistics));
    }

    [Fact]
    public void ToRequest_TasksOrNone_RoundTripsAndNullMeansATrainingRound()
    {
        var request = LabelStatisticsRequest.Parser.ParseFrom(LabelStatisticsProto.ToRequest(["click", "rating"])!.ToByteArray());
        var assignment = Assignment.Parser.ParseFrom(new Assignment { Round = 1 }.ToByteArray());

        Assert.Equal(["click", "rating"], LabelStatisticsProto.TasksOf(request)!);
        Assert.Null(LabelStatisticsProto.ToRequest(null));
        Assert.Null(LabelStatisticsProto.TasksOf(assignment.LabelStatistics));
    }
}
