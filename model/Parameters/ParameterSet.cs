using Federated.Model.Spec;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;

namespace Federated.Model.Parameters;

/// <summary>The values of every tensor of a <see cref="ParameterLayout"/>, in one contiguous float buffer.</summary>
public sealed class ParameterSet
{
    /// <summary>Standard deviation of the normal distribution that initialises embedding rows.</summary>
    public const double EmbeddingInitStandardDeviation = 0.05;

    /// <summary>Wraps <paramref name="values"/> (not copied); its length must equal the layout's total length.</summary>
    public ParameterSet(ParameterLayout layout, float[] values)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != layout.TotalLength)
        {
            throw new ArgumentException($"the buffer holds {values.Length} floats but the layout needs {layout.TotalLength}", nameof(values));
        }

        Layout = layout;
        Values = values;
    }

    /// <summary>A zero-filled set.</summary>
    public ParameterSet(ParameterLayout layout)
        : this(layout, new float[(layout ?? throw new ArgumentNullException(nameof(layout))).TotalLength])
    {
    }

    /// <summary>The layout table.</summary>
    public ParameterLayout Layout { get; }

    /// <summary>The flat buffer, <see cref="ParameterLayout.TotalLength"/> floats.</summary>
    public float[] Values { get; }

    /// <summary>A view of one tensor, row-major, no copy.</summary>
    public Span<float> this[TensorInfo tensor] => Values.AsSpan(tensor.Offset, tensor.Length);

    /// <summary>A view of the tensor with this name, row-major, no copy.</summary>
    public Span<float> this[string name] => this[Layout[name]];

    /// <summary>A deep copy.</summary>
    public ParameterSet Clone() => new(Layout, (float[])Values.Clone());

    /// <summary>Copies every tensor of <paramref name="scope"/> from <paramref name="source"/>, which must share the layout.</summary>
    public void CopyScopeFrom(ParameterSet source, ParameterScope scope)
    {
        ArgumentNullException.ThrowIfNull(source);
        RequireSameLayout(source);
        foreach (var tensor in Layout.InScope(scope))
        {
            source[tensor].CopyTo(this[tensor]);
        }
    }

    /// <summary>
    /// Copies every tensor of <paramref name="scope"/> from <paramref name="source"/> by name, bit for bit. The two
    /// layouts may differ (e.g. a full layout and its projection on <paramref name="scope"/>, see
    /// <see cref="ParameterLayout.Project"/>) but must hold the same named tensors of that scope with the same shapes.
    /// </summary>
    /// <exception cref="ArgumentException">A tensor of the scope is missing from one side or has another shape; the message names it.</exception>
    public void CopyTensorsFrom(ParameterSet source, ParameterScope scope)
    {
        ArgumentNullException.ThrowIfNull(source);

        // Every check before the first copy, so that a mismatch leaves this set untouched.
        var pairs = new List<(TensorInfo Target, TensorInfo Source)>();
        foreach (var tensor in Layout.InScope(scope))
        {
            pairs.Add((tensor, Counterpart(source.Layout, tensor, nameof(source))));
        }

        foreach (var tensor in source.Layout.InScope(scope))
        {
            Counterpart(Layout, tensor, nameof(source));
        }

        foreach (var (target, from) in pairs)
        {
            source[from].CopyTo(this[target]);
        }
    }

    /// <summary>
    /// A new set over <paramref name="projection"/> holding, bit for bit, the values of the tensors of this set that
    /// have its tensors' names (typically <c>ProjectTo(layout.Project(ParameterScope.Shared))</c>).
    /// </summary>
    /// <exception cref="ArgumentException">A tensor of the projection is missing here or has another shape; the message names it.</exception>
    public ParameterSet ProjectTo(ParameterLayout projection)
    {
        ArgumentNullException.ThrowIfNull(projection);
        var result = new ParameterSet(projection);
        foreach (var tensor in projection.Tensors)
        {
            this[Counterpart(Layout, tensor, nameof(projection))].CopyTo(result[tensor]);
        }

        return result;
    }

    /// <summary>
    /// Fills the buffer deterministically from <paramref name="seed"/>: weights Glorot-uniform
    /// (±√(6/(in+out))), biases zero, embedding rows normal(0, <see cref="EmbeddingInitStandardDeviation"/>).
    /// Tensors are drawn in layout order from one MathNet Xoshiro256** stream, stable across .NET versions.
    /// </summary>
    public static ParameterSet Initialize(ParameterLayout layout, int seed)
    {
        var set = new ParameterSet(layout);
        var random = new Xoshiro256StarStar(seed, threadSafe: false);
        foreach (var tensor in layout.Tensors)
        {
            if (tensor.Kind == TensorKind.Bias)
            {
                continue;
            }

            // Initialisation is not a hot path; an exact-size draw keeps the stream independent of buffer reuse.
            var scratch = new double[tensor.Length];
            if (tensor.Kind == TensorKind.Weight)
            {
                var bound = Math.Sqrt(6.0 / (tensor.Rows + tensor.Columns));
                ContinuousUniform.Samples(random, scratch, -bound, bound);
            }
            else
            {
                Normal.Samples(random, scratch, 0, EmbeddingInitStandardDeviation);
            }

            var target = set[tensor];
            for (var i = 0; i < target.Length; i++)
            {
                target[i] = (float)scratch[i];
            }
        }

        return set;
    }

    /// <summary>
    /// Builds the layout of <paramref name="spec"/> and initialises it from <paramref name="seed"/> as
    /// <see cref="Initialize(ParameterLayout, int)"/>; then the spec's per-row bias columns (<see cref="FieldSpec.BiasTasks"/>)
    /// are set to zero and each task's output bias to <see cref="TaskSpec.OutputBias"/>.
    /// </summary>
    public static ParameterSet Initialize(ModelSpec spec, int seed)
    {
        var set = Initialize(ParameterLayout.FromSpec(spec), seed);
        SpecInitialisation.Apply(spec, set);
        return set;
    }

    private static TensorInfo Counterpart(ParameterLayout layout, TensorInfo tensor, string parameter)
    {
        if (!layout.TryGet(tensor.Name, out var other) || other.Scope != tensor.Scope)
        {
            throw new ArgumentException($"tensor '{tensor.Name}' is not a {tensor.Scope.ToString().ToLowerInvariant()} tensor of both layouts", parameter);
        }

        if (other.Rows != tensor.Rows || other.Columns != tensor.Columns || other.Kind != tensor.Kind)
        {
            throw new ArgumentException($"tensor '{tensor.Name}' is {other.Rows}x{other.Columns} {other.Kind} in one layout and {tensor.Rows}x{tensor.Columns} {tensor.Kind} in the other", parameter);
        }

        return other;
    }

    private void RequireSameLayout(ParameterSet other)
    {
        if (!ReferenceEquals(other.Layout, Layout) && other.Layout.Fingerprint != Layout.Fingerprint)
        {
            throw new ArgumentException("the two parameter sets have different layouts", nameof(other));
        }
    }
}
