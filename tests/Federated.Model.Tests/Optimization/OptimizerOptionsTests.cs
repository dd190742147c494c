using Federated.Model.Optimization;

namespace Federated.Model.Tests.Optimization;

public sealed class OptimizerOptionsTests
{
    public static TheoryData<string, float> InvalidSettings => new()
    {
        { nameof(OptimizerOptions.LearningRate), 0f },
        { nameof(OptimizerOptions.LearningRate), -1e-3f },
        { nameof(OptimizerOptions.LearningRate), float.NaN },
        { nameof(OptimizerOptions.LearningRate), float.PositiveInfinity },
        { nameof(OptimizerOptions.Momentum), -0.1f },
        { nameof(OptimizerOptions.Momentum), 1f },
        { nameof(OptimizerOptions.Momentum), float.NaN },
        { nameof(OptimizerOptions.Beta1), -0.01f },
        { nameof(OptimizerOptions.Beta1), 1f },
        { nameof(OptimizerOptions.Beta2), 1f },
        { nameof(OptimizerOptions.Beta2), float.NaN },
        { nameof(OptimizerOptions.Epsilon), 0f },
        { nameof(OptimizerOptions.Epsilon), -1e-8f },
        { nameof(OptimizerOptions.Epsilon), float.PositiveInfinity },
        { nameof(OptimizerOptions.WeightDecay), -1e-4f },
        { nameof(OptimizerOptions.WeightDecay), float.NaN },
        { nameof(OptimizerOptions.WeightDecay), float.PositiveInfinity },
    };

    [Fact]
    public void Defaults_AreDocumentedValues()
    {
        var options = new OptimizerOptions();

        Assert.Equal(OptimizerKind.Adam, options.Kind);
        Assert.Equal(1e-3f, options.LearningRate);
        Assert.Equal(0.9f, options.Momentum);
        Assert.Equal(0.9f, options.Beta1);
        Assert.Equal(0.999f, options.Beta2);
        Assert.Equal(1e-8f, options.Epsilon);
        Assert.Equal(0f, options.WeightDecay);
    }

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void Init_InvalidValue_ThrowsNamingSetting(string setting, float value)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => With(new OptimizerOptions(), setting, value));

        Assert.Equal(setting, error.ParamName);
        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Init_UndefinedKind_ThrowsNamingKind()
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new OptimizerOptions { Kind = (OptimizerKind)42 });

        Assert.Equal(nameof(OptimizerOptions.Kind), error.ParamName);
    }

    [Fact]
    public void Init_InclusiveLowerBounds_Accepted()
    {
        var options = new OptimizerOptions { Momentum = 0f, Beta1 = 0f, Beta2 = 0f, WeightDecay = 0f };

        Assert.Equal(0f, options.Beta2);
    }

    [Fact]
    public void With_OneSettingChanged_KeepsTheOthers()
    {
        var original = new OptimizerOptions { Kind = OptimizerKind.Momentum, Momentum = 0.5f };

        var changed = original with { LearningRate = 0.25f };

        Assert.Equal(original with { LearningRate = 0.25f }, changed);
        Assert.Equal(0.5f, changed.Momentum);
        Assert.Equal(OptimizerKind.Momentum, changed.Kind);
    }

    private static OptimizerOptions With(OptimizerOptions options, string setting, float value) => setting switch
    {
        nameof(OptimizerOptions.LearningRate) => options with { LearningRate = value },
        nameof(OptimizerOptions.Momentum) => options with { Momentum = value },
        nameof(OptimizerOptions.Beta1) => options with { Beta1 = value },
        nameof(OptimizerOptions.Beta2) => options with { Beta2 = value },
        nameof(OptimizerOptions.Epsilon) => options with { Epsilon = value },
        nameof(OptimizerOptions.WeightDecay) => options with { WeightDecay = value },
        _ => throw new ArgumentOutOfRangeException(nameof(setting), setting, "Not a float setting."),
    };
}
