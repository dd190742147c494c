using System.Text.Json;
using Federated.Coordinator.Grpc;
using Federated.Coordinator.Rounds;
using Federated.Protos.V1;

namespace Federated.Coordinator.Tests.Contract;

/// <summary>
/// The proto's <see cref="RejectionReason"/> mirrors the engine's <see cref="Rejection"/>, and its comments give each
/// reason's trailer name and status code, so the contract cannot drift from what the coordinator sends.
/// </summary>
public sealed class RejectionReasonContractTests
{
    /// <summary>Reasons the gRPC edge gives before the engine sees a request: proto value name, trailer name, status.</summary>
    private static readonly (string Name, string Trailer, string Code)[] EdgeReasons =
    [
        ("FieldTooLong", RejectionStatus.FieldTooLong, "INVALID_ARGUMENT"),
        ("MalformedMessage", RejectionStatus.MalformedMessage, "INVALID_ARGUMENT"),
        ("TooLarge", RejectionStatus.TooLarge, "RESOURCE_EXHAUSTED"),
        ("BulkUploadOff", RejectionStatus.BulkUploadOff, "FAILED_PRECONDITION"),
        ("BulkTicketRefused", RejectionStatus.BulkTicketRefused, "UNAUTHENTICATED"),
    ];

    [Fact]
    public void RejectionReason_EveryRejection_HasProtoValueOfSameName()
    {
        var proto = Enum.GetValues<RejectionReason>().Where(r => r != RejectionReason.Unspecified).Select(r => r.ToString()).Order(StringComparer.Ordinal);
        var engine = Enum.GetNames<Rejection>().Concat(EdgeReasons.Select(r => r.Name)).Order(StringComparer.Ordinal);

        Assert.Equal(engine, proto);
    }

    [Fact]
    public void RejectionReason_ProtoValueNames_AreEngineNamesInUpperSnakeCase()
    {
        var descriptor = FederationReflection.Descriptor.FindTypeByName<Google.Protobuf.Reflection.EnumDescriptor>("RejectionReason");
        var protoNames = descriptor.Values.Select(v => v.Name).Where(n => n != "REJECTION_REASON_UNSPECIFIED").Order(StringComparer.Ordinal);
        var expected = Enum.GetNames<Rejection>().Concat(EdgeReasons.Select(r => r.Name))
            .Select(n => "REJECTION_REASON_" + JsonNamingPolicy.SnakeCaseUpper.ConvertName(n)).Order(StringComparer.Ordinal);

        Assert.Equal(expected, protoNames);
        Assert.Equal(0, descriptor.FindValueByName("REJECTION_REASON_UNSPECIFIED").Number);
    }

    [Fact]
    public void RejectionReason_ProtoComments_NameTrailerAndStatusOfEveryReason()
    {
        var lines = ContractFiles.FederationProto().Split('\n').Select(l => l.Trim()).ToArray();
        var reasons = Enum.GetValues<Rejection>()
            .Select(r => (Name: r.ToString(), Trailer: RejectionStatus.NameOf(r), Code: JsonNamingPolicy.SnakeCaseUpper.ConvertName(RejectionStatus.CodeOf(r).ToString())))
            .Concat(EdgeReasons);
        foreach (var (name, trailer, code) in reasons)
        {
            var valueName = "REJECTION_REASON_" + JsonNamingPolicy.SnakeCaseUpper.ConvertName(name);
            var index = Array.FindIndex(lines, l => l.StartsWith(valueName + " =", StringComparison.Ordinal));
            Assert.True(index > 0, $"{valueName} is not in federation.proto");
            var comment = string.Join(' ', lines.Take(index).Reverse().TakeWhile(l => l.StartsWith("//", StringComparison.Ordinal)).Reverse());

            Assert.Contains($"`{trailer}` ({code})", comment, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void RejectionStatus_TrailerKey_IsTheOneTheProtoNames()
    {
        Assert.Contains($"trailer `{RejectionStatus.TrailerKey}`", ContractFiles.FederationProto().ReplaceLineEndings(" ").Replace("// ", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
