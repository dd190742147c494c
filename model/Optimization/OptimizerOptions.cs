namespace Federated.Model.Optimization;

/// <summary>
/// Immutable hyper-parameters of an <see cref="Optimizer"/>. Every setting is validated when it is set
/// (object initialiser, <c>with</c> expression or configuration binding), so an instance that exists is valid;
/// a bad value throws <see cref="ArgumentOutOfRangeException"/> whose <see cref="ArgumentException.ParamName"/>
/// is the setting's name.
/// </summary>
/// <remarks>
/// Settings that do not apply to <see cref="Kind"/> are ignored (for example <see cref="Beta1"/> under
/// <see cref="OptimizerKind.Sgd"/>) but are still validated.
/// </remarks>
public sealed record OptimizerOptions
{
    /// <summary>The update rule. Default <see cref="OptimizerKind.Adam"/>.</summary>
    public OptimizerKind Kind
    {
        get;
        init
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(Kind), value, $"{nameof(Kind)} must be a defined {nameof(OptimizerKind)}.");
            }

            field = value;
        }
    } = OptimizerKind.Adam;

    /// <summary>Step size <c>lr</c>, in parameter units per gradient unit (Adam: per normalised step). Finite and &gt; 0; default 1e-3.</summary>
    public float LearningRate
    {
        get;
        init
        {
            if (!(value > 0f && float.IsFinite(value)))
            {
                throw OutOfRange(nameof(LearningRate), value, "a finite number > 0");
            }

            field = value;
        }
    } = 1e-3f;

    /// <summary>Momentum coefficient <c>μ</c> of <see cref="OptimizerKind.Momentum"/>, in [0, 1); default 0.9.</summary>
    public float Momentum
    {
        get;
        init
        {
            ThrowIfNotUnitInterval(nameof(Momentum), value);
            field = value;
        }
    } = 0.9f;

    /// <summary>Adam's decay rate <c>β1</c> of the first-moment average, in [0, 1); default 0.9.</summary>
    public float Beta1
    {
        get;
        init
        {
            ThrowIfNotUnitInterval(nameof(Beta1), value);
            field = value;
        }
    } = 0.9f;

    /// <summary>Adam's decay rate <c>β2</c> of the second-moment average, in [0, 1); default 0.999.</summary>
    public float Beta2
    {
        get;
        init
        {
            ThrowIfNotUnitInterval(nameof(Beta2), value);
            field = value;
        }
    } = 0.999f;

    /// <summary>Adam's denominator term <c>ε</c>, added after the square root; finite and &gt; 0, default 1e-8.</summary>
    public float Epsilon
    {
        get;
        init
        {
            if (!(value > 0f && float.IsFinite(value)))
            {
                throw OutOfRange(nameof(Epsilon), value, "a finite number > 0");
            }

            field = value;
        }
    } = 1e-8f;

    /// <summary>
    /// Coupled L2 coefficient <c>λ</c>: dense updates use <c>g + λ·p</c> in place of <c>g</c> (PyTorch's
    /// <c>weight_decay</c>, not AdamW). Finite and ≥ 0; default 0. Lazy row updates
    /// (<see cref="Optimizer.UpdateRows"/>) ignore it: decaying only the rows present in a batch would shrink
    /// frequent ids harder than rare ones, so regularise embeddings in the loss instead.
    /// </summary>
    public float WeightDecay
    {
        get;
        init
        {
            if (!(value >= 0f && float.IsFinite(value)))
            {
                throw OutOfRange(nameof(WeightDecay), value, "a finite number >= 0");
            }

            field = value;
        }
    }

    private static void ThrowIfNotUnitInterval(string setting, float value)
    {
        // Written so that NaN fails too.
        if (!(value >= 0f && value < 1f))
        {
            throw OutOfRange(setting, value, "in [0, 1)");
        }
    }

    private static ArgumentOutOfRangeException OutOfRange(string setting, float value, string requirement) =>
        new(setting, value, $"Optimizer setting {setting} must be {requirement}; got {value}.");
}
