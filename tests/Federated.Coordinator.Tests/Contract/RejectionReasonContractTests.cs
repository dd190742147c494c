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
    [Fact]
    public void RejectionReason_EveryRejection_HasProtoValueOfSameName()
    {
        var proto = Enum.GetValues<RejectionReason>().Where(r => r != RejectionReason.Unspecified).Select(r => r.ToString()).Order(StringComparer.Ordinal);
        var engine = Enum.GetNames<Rejection>().Order(StringComparer.Ordinal);

        Assert.Equal(engine, proto);
    }

    [Fact]
    public void RejectionReason_ProtoValueNames_AreEngineNamesInUpperSnakeCase()
    {
        var descriptor = FederationReflection.Descriptor.FindTypeByName<Google.Protobuf.Reflection.EnumDescriptor>("RejectionReason");
        var protoNames = descriptor.Values.Select(v => v.Name).Where(n => n != "REJECTION_REASON_UNSPECIFIED").Order(StringComparer.Ordinal);
        var expected = Enum.GetNames<Rejection>().Select(n => "REJECTION_REASON_" + JsonNamingPolicy.SnakeCaseUpper.ConvertName(n)).Order(StringComparer.Ordinal);

        Assert.Equal(expected, protoNames);
        Assert.Equal(0, descriptor.FindValueByName("REJECTION_REASON_UNSPECIFIED").Number);
    }

    [Fact]
    public void RejectionReason_ProtoComments_NameTrailerAndStatusOfEveryReason()
    {
        var lines = ContractFiles.FederationProto().Split('\n').Select(l => l.Trim()).ToArray();
        foreach (var reason in Enum.GetValues<Rejection>())
        {
            var valueName = "REJECTION_REASON_" + JsonNamingPolicy.SnakeCaseUpper.ConvertName(reason.ToString());
            var index = Array.FindIndex(lines, l => l.StartsWith(valueName + " =", StringComparison.Ordinal));
            Assert.True(index > 0, $"{valueName} is not in federation.proto");
            var comment = string.Join(' ', lines.Take(index).Reverse().TakeWhile(l => l.StartsWith("//", StringComparison.Ordinal)).Reverse());
            var code = JsonNamingPolicy.SnakeCaseUpper.ConvertName(RejectionStatus.CodeOf(reason).ToString());

            Assert.Contains($"`{RejectionStatus.NameOf(reason)}` ({code})", comment, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void RejectionStatus_TrailerKey_IsTheOneTheProtoNames()
    {
        Assert.Contains($"trailer `{RejectionStatus.TrailerKey}`", ContractFiles.FederationProto().ReplaceLineEndings(" ").Replace("// ", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
