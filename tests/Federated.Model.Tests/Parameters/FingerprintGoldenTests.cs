using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Tests.Network;

namespace Federated.Model.Tests.Parameters;

/// <summary>
/// The layout fingerprint travels on the wire and sits in stored runs and node state: it must never change for a
/// given spec. These values were recorded before tensor roles were added to the layout.
/// </summary>
public sealed class FingerprintGoldenTests
{
    [Theory]
    [InlineData(TrunkKind.SharedBottom, false, "a1eaf3e77eb48a4a")]
    [InlineData(TrunkKind.SharedBottom, true, "7866c7469a3d60b9")]
    [InlineData(TrunkKind.Mmoe, false, "477e557db6960d4c")]
    [InlineData(TrunkKind.Mmoe, true, "7b2307376951acee")]
    [InlineData(TrunkKind.Ple, false, "5f8505a2cdc3572d")]
    [InlineData(TrunkKind.Ple, true, "d91521b1636a2956")]
    public void Fingerprint_SmallSpecs_MatchesGolden(TrunkKind kind, bool uncertainty, string expected)
    {
        Assert.Equal(expected, ParameterLayout.FromSpec(TestModels.Small(kind, uncertainty: uncertainty)).Fingerprint);
    }
}
