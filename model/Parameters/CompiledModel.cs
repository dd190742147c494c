using System.Collections.Frozen;
using Federated.Model.Spec;

namespace Federated.Model.Parameters;

/// <summary>
/// A validated spec compiled once into its parameter layout, with each tensor's scope, role and task: what every part
/// of the system passes around instead of re-deriving the layout from the spec or roles from tensor names.
/// </summary>
/// <remarks>
/// <see cref="Layout"/> is the full layout a node trains (exactly <see cref="ParameterLayout.FromSpec"/>);
/// <see cref="SharedLayout"/> is its projection on the shared scope (<see cref="ParameterLayout.Project"/>), the only
/// part a coordinator needs to hold. Immutable: one instance can serve many threads, provided the spec it was compiled
/// from is not mutated afterwards.
/// </remarks>
public sealed class CompiledModel
{
    private readonly FrozenDictionary<string, IReadOnlyList<TensorInfo>> _tensorsOfTask;

    private CompiledModel(ModelSpec spec, ParameterLayout layout)
    {
        Spec = spec;
        Layout = layout;
        SharedLayout = layout.Project(ParameterScope.Shared);
        var byTask = new Dictionary<string, IReadOnlyList<TensorInfo>>(StringComparer.Ordinal);
        foreach (var task in spec.Tasks)
        {
            byTask[task.Name] = layout.OfTask(task.Name).ToArray();
        }

        _tensorsOfTask = byTask.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The spec, validated.</summary>
    public ModelSpec Spec { get; }

    /// <summary>The full layout: every tensor, shared and local, as a node holds it.</summary>
    public ParameterLayout Layout { get; }

    /// <summary>
    /// The shared tensors of <see cref="Layout"/> in the same order, re-offset contiguously from 0 (dense prefix, then
    /// embedding tables): what crosses the network and what a coordinator stores.
    /// </summary>
    public ParameterLayout SharedLayout { get; }

    /// <summary>The fingerprint of the full layout (<see cref="ParameterLayout.Fingerprint"/> of <see cref="Layout"/>), as exchanged on the wire.</summary>
    public string Fingerprint => Layout.Fingerprint;

    /// <summary>The tasks, in spec order.</summary>
    public IReadOnlyList<TaskSpec> Tasks => Spec.Tasks;

    /// <summary>Validates <paramref name="spec"/> and compiles it.</summary>
    /// <exception cref="ModelSpecException">The spec is invalid; the message names the key.</exception>
    public static CompiledModel Compile(ModelSpec spec) => new(spec, ParameterLayout.FromSpec(spec));

    /// <summary>
    /// The task whose labels alone move <paramref name="tensor"/>, or null for a tensor every example moves. The tensor
    /// is looked up by name, so it may come from <see cref="Layout"/> or <see cref="SharedLayout"/>.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The model has no tensor of that name.</exception>
    public string? TaskOf(TensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return Layout[tensor.Name].Task;
    }

    /// <summary>The role of <paramref name="tensor"/>, looked up by name (see <see cref="TaskOf"/>).</summary>
    /// <exception cref="KeyNotFoundException">The model has no tensor of that name.</exception>
    public TensorRole RoleOf(TensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return Layout[tensor.Name].Role;
    }

    /// <summary>The tensors of <paramref name="task"/>, shared and local, in <see cref="Layout"/> (full-layout offsets).</summary>
    /// <exception cref="KeyNotFoundException">No task has that name.</exception>
    public IReadOnlyList<TensorInfo> TensorsOf(string task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return _tensorsOfTask.TryGetValue(task, out var tensors) ? tensors : throw new KeyNotFoundException($"the model has no task named '{task}'");
    }

    /// <summary>The shared tensors of one role, in <see cref="SharedLayout"/> (shared-projection offsets).</summary>
    public IEnumerable<TensorInfo> SharedTensors(TensorRole role) => SharedLayout.InRole(role);

    /// <summary>
    /// The full parameters initialised from <paramref name="seed"/>, as <see cref="ParameterSet.Initialize(ModelSpec, int)"/>:
    /// the layout's seeded draws, then per-row bias columns at zero and output biases at their spec values.
    /// </summary>
    public ParameterSet Initialize(int seed)
    {
        var set = ParameterSet.Initialize(Layout, seed);
        SpecInitialisation.Apply(Spec, set);
        return set;
    }

    /// <summary>
    /// The initial shared parameters of a run: bit for bit the shared tensors of <see cref="Initialize"/> with the
    /// same seed, over <see cref="SharedLayout"/>. Draws the full layout (local tensors included) to keep the random
    /// stream identical, so it briefly needs the full model's memory.
    /// </summary>
    public ParameterSet InitializeShared(int seed) => Initialize(seed).ProjectTo(SharedLayout);
}
