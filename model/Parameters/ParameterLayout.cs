using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Federated.Model.Spec;

namespace Federated.Model.Parameters;

/// <summary>
/// The table of named tensors in one flat float buffer. Weights and biases come first, in one contiguous
/// prefix of <see cref="DenseLength"/> floats; embedding tables follow, so that a dense gradient buffer can
/// cover the prefix alone while embedding gradients stay row-sparse. Every tensor carries its scope, role and task.
/// Immutable, so one instance can be shared across threads.
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

    /// <summary>
    /// A short hex digest (16 hex digits) of names, shapes, offsets, scopes and kinds: equal layouts have equal
    /// fingerprints. Stable across versions for a given spec; roles and tasks are not part of it.
    /// </summary>
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

    /// <summary>The tensors of one role, in buffer order.</summary>
    public IEnumerable<TensorInfo> InRole(TensorRole role)
    {
        foreach (var tensor in Tensors)
        {
            if (tensor.Role == role)
            {
                yield return tensor;
            }
        }
    }

    /// <summary>The tensors that belong to <paramref name="task"/> (see <see cref="TensorInfo.Task"/>), in buffer order.</summary>
    public IEnumerable<TensorInfo> OfTask(string task)
    {
        ArgumentNullException.ThrowIfNull(task);
        foreach (var tensor in Tensors)
        {
            if (string.Equals(tensor.Task, task, StringComparison.Ordinal))
            {
                yield return tensor;
            }
        }
    }

    /// <summary>
    /// The projection of this layout on one scope: the tensors of <paramref name="scope"/> with the same names,
    /// shapes, kinds, roles and tasks, in the same order, re-offset contiguously from 0. Dense tensors still precede
    /// embedding tables, so <see cref="DenseLength"/> covers the projection's dense prefix; <see cref="TotalLength"/> is
    /// <see cref="ScopeLength"/> of the scope.
    /// </summary>
    /// <remarks>
    /// The projection's <see cref="Fingerprint"/> is that of the projected table (its names, shapes, new offsets, scopes
    /// and kinds), not the full layout's: it differs from the full layout's fingerprint, and two specs that differ only
    /// in tensors of other scopes have equal projections and equal projection fingerprints. Projecting a projection on
    /// the same scope gives an equal layout.
    /// </remarks>
    public ParameterLayout Project(ParameterScope scope)
    {
        var tensors = new List<TensorInfo>();
        var offset = 0;
        foreach (var tensor in InScope(scope))
        {
            tensors.Add(tensor with { Offset = offset });
            offset += tensor.Length;
        }

        return new ParameterLayout(tensors);
    }

    /// <summary>Builds the layout that a spec implies, after validating the spec.</summary>
    /// <exception cref="ModelSpecException">The spec is invalid.</exception>
    public static ParameterLayout FromSpec(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        return new ParameterLayout(LayoutBuilder.Build(spec));
    }

    private static string ComputeFingerprint(List<TensorInfo> tensors)
    {
        // The fingerprint is on the wire and in stored runs: its input must never change. Role, task and field are
        // derived from the spec like the names are, so leaving them out loses nothing.
        var text = new StringBuilder();
        foreach (var t in tensors)
        {
            text.Append(t.Name).Append(':').Append(t.Rows).Append('x').Append(t.Columns).Append('@').Append(t.Offset)
                .Append(':').Append(t.Scope).Append(':').Append(t.Kind).Append(';');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())).AsSpan(0, 8));
    }
}
