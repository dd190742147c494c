using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Federated.Model.Spec;

namespace Federated.Model.Parameters;

/// <summary>
/// The table of named tensors in one flat float buffer. Weights and biases come first, in one contiguous
/// prefix of <see cref="DenseLength"/> floats; embedding tables follow, so that a dense gradient buffer can
/// cover the prefix alone while embedding gradients stay row-sparse.
/// </summary>
public sealed class ParameterLayout
{
    private readonly FrozenDictionary<string, TensorInfo> _byName;

    private ParameterLayout(List<TensorInfo> tensors)
    {
        Tensors = tensors;
        _byName = tensors.ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);
        TotalLength = tensors.Count == 0 ? 0 : tensors[^1].End;
        var dense = 0;
        foreach (var tensor in tensors)
        {
            if (tensor.Kind != TensorKind.Embedding)
            {
                dense = tensor.End;
            }
        }

        DenseLength = dense;
        Fingerprint = ComputeFingerprint(tensors);
    }

    /// <summary>All tensors in buffer order.</summary>
    public IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>Total floats in the buffer.</summary>
    public int TotalLength { get; }

    /// <summary>Floats in the dense prefix [0, DenseLength): every weight and bias.</summary>
    public int DenseLength { get; }

    /// <summary>A short hex digest of names, shapes, offsets and scopes: equal layouts have equal fingerprints.</summary>
    public string Fingerprint { get; }

    /// <summary>The tensor with this name.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    public TensorInfo this[string name] =>
        _byName.TryGetValue(name, out var tensor) ? tensor : throw new KeyNotFoundException($"the model has no tensor named '{name}'");

    /// <summary>Looks a tensor up by name.</summary>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TensorInfo? tensor) =>
        _byName.TryGetValue(name, out tensor);

    /// <summary>The tensors of one scope, in buffer order.</summary>
    public IEnumerable<TensorInfo> InScope(ParameterScope scope)
    {
        foreach (var tensor in Tensors)
        {
            if (tensor.Scope == scope)
            {
                yield return tensor;
            }
        }
    }

    /// <summary>Total floats of the tensors of one scope.</summary>
    public long ScopeLength(ParameterScope scope)
    {
        long length = 0;
        foreach (var tensor in InScope(scope))
        {
            length += tensor.Length;
        }

        return length;
    }

    /// <summary>Builds the layout that a spec implies; the spec must be valid.</summary>
    public static ParameterLayout FromSpec(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var builder = new Builder();
        var trunk = spec.Trunk;
        var hidden = trunk.Hidden;
        switch (trunk.Kind)
        {
            case TrunkKind.SharedBottom:
                builder.Mlp(TensorNames.Bottom, spec.InputWidth, hidden, ParameterScope.Shared);
                break;
            case TrunkKind.Mmoe:
                for (var k = 0; k < trunk.Experts; k++)
                {
                    builder.Mlp(TensorNames.MmoeExpert(k), spec.InputWidth, hidden, ParameterScope.Shared);
                }

                foreach (var task in spec.Tasks)
                {
                    builder.Dense(TensorNames.MmoeGate(task.Name), spec.InputWidth, trunk.Experts, ParameterScope.Shared);
                }

                break;
            case TrunkKind.Ple:
                for (var level = 0; level < trunk.Levels; level++)
                {
                    var input = level == 0 ? spec.InputWidth : trunk.OutputWidth;
                    for (var k = 0; k < trunk.SharedExperts; k++)
                    {
                        builder.Mlp(TensorNames.PleSharedExpert(level, k), input, hidden, ParameterScope.Shared);
                    }

                    foreach (var task in spec.Tasks)
                    {
                        for (var k = 0; k < trunk.TaskExperts; k++)
                        {
                            builder.Mlp(TensorNames.PleTaskExpert(level, task.Name, k), input, hidden, ParameterScope.Shared);
                        }
                    }

                    foreach (var task in spec.Tasks)
                    {
                        builder.Dense(TensorNames.PleTaskGate(level, task.Name), input, trunk.SharedExperts + trunk.TaskExperts, ParameterScope.Shared);
                    }

                    if (level < trunk.Levels - 1)
                    {
                        builder.Dense(TensorNames.PleSharedGate(level), input, trunk.SharedExperts + (trunk.TaskExperts * spec.Tasks.Count), ParameterScope.Shared);
                    }
                }

                break;
            default:
                throw new ModelSpecException("trunk.kind", $"unknown trunk kind {trunk.Kind}");
        }

        foreach (var task in spec.Tasks)
        {
            builder.Mlp(TensorNames.Tower(task.Name), trunk.OutputWidth, task.Tower, task.Scope);
            builder.Dense(TensorNames.TowerOutput(task.Name), task.Tower[^1], 1, task.Scope);
        }

        if (spec.UncertaintyWeighting)
        {
            foreach (var task in spec.Tasks)
            {
                builder.Add(TensorNames.Uncertainty(task.Name), 1, 1, ParameterScope.Local, TensorKind.Bias);
            }
        }

        foreach (var field in spec.Fields)
        {
            builder.Add(TensorNames.Embedding(field.Name), field.Rows, field.Dim, field.Scope, TensorKind.Embedding);
        }

        return new ParameterLayout(builder.Tensors);
    }

    private static string ComputeFingerprint(List<TensorInfo> tensors)
    {
        var text = new StringBuilder();
        foreach (var t in tensors)
        {
            text.Append(t.Name).Append(':').Append(t.Rows).Append('x').Append(t.Columns).Append('@').Append(t.Offset)
                .Append(':').Append(t.Scope).Append(':').Append(t.Kind).Append(';');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())).AsSpan(0, 8));
    }

    private sealed class Builder
    {
        private int _offset;

        public List<TensorInfo> Tensors { get; } = [];

        public void Add(string name, int rows, int columns, ParameterScope scope, TensorKind kind)
        {
            var length = (long)rows * columns;
            if (_offset + length > Array.MaxLength)
            {
                throw new ModelSpecException(name, $"the model exceeds {Array.MaxLength} floats, the most one buffer can hold");
            }

            Tensors.Add(new TensorInfo(name, rows, columns, _offset, scope, kind));
            _offset += (int)length;
        }

        public void Dense(string prefix, int input, int output, ParameterScope scope)
        {
            Add(TensorNames.Weight(prefix), input, output, scope, TensorKind.Weight);
            Add(TensorNames.Bias(prefix), 1, output, scope, TensorKind.Bias);
        }

        public void Mlp(string prefix, int input, IReadOnlyList<int> widths, ParameterScope scope)
        {
            for (var i = 0; i < widths.Count; i++)
            {
                Dense(TensorNames.Dense(prefix, i), input, widths[i], scope);
                input = widths[i];
            }
        }
    }
}
