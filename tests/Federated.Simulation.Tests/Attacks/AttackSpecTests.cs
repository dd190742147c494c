using Federated.Simulation.Attacks;

namespace Federated.Simulation.Tests.Attacks;

public sealed class AttackSpecTests
{
    [Theory]
    [InlineData("sign-flip", AttackKind.SignFlip, 0)]
    [InlineData("label-flip", AttackKind.LabelFlip, 0)]
    [InlineData("scale:10", AttackKind.Scale, 10)]
    [InlineData("scale:-2.5", AttackKind.Scale, -2.5)]
    [InlineData("gaussian:0.1", AttackKind.Gaussian, 0.1)]
    public void Parse_Known_KindAndParameterAndRoundTrip(string text, AttackKind kind, double parameter)
    {
        var attack = AttackSpec.Parse(text);

        Assert.Equal(kind, attack.Kind);
        Assert.Equal(parameter, attack.Parameter);
        Assert.Equal(text, attack.ToString());
    }

    [Theory]
    [InlineData("flip", "expected sign-flip")]
    [InlineData("scale", "expected sign-flip")]
    [InlineData("sign-flip:2", "expected sign-flip")]
    [InlineData("scale:inf", "K 'inf' is not a finite number")]
    [InlineData("scale:NaN", "K 'NaN' is not a finite number")]
    [InlineData("scale:ten", "K 'ten' is not a finite number")]
    [InlineData("gaussian:0", "SIGMA must be > 0")]
    [InlineData("gaussian:-1", "SIGMA must be > 0")]
    [InlineData("gaussian:1e999", "SIGMA '1e999' is not a finite number")]
    public void Parse_Invalid_OneLineErrorNamingTheValue(string text, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => AttackSpec.Parse(text));

        Assert.Contains(text, error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
