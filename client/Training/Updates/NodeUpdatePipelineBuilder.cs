using Federated.Model.Training;

namespace Federated.Client.Training.Updates;

/// <summary>
/// Builds a node's <see cref="NodeUpdatePipeline"/> for a plan from a list of factories: each decides whether its step
/// applies to the plan; the steps that do are ordered by <see cref="NodeUpdateTransformFactory.Stage"/>, ties in list order.
/// </summary>
public sealed class NodeUpdatePipelineBuilder
{
    private readonly NodeUpdateTransformFactory[] _factories;

    /// <summary>A builder over <paramref name="factories"/> (usually <see cref="Standard"/> first, then any extra).</summary>
    public NodeUpdatePipelineBuilder(IEnumerable<NodeUpdateTransformFactory> factories)
    {
        ArgumentNullException.ThrowIfNull(factories);
        _factories = [.. factories];
        if (_factories.Any(f => f is null))
        {
            throw new ArgumentException("a factory is null", nameof(factories));
        }
    }

    /// <summary>The steps every node runs: <see cref="ComputeDelta"/> and <see cref="ClipToNorm"/>.</summary>
    public static IReadOnlyList<NodeUpdateTransformFactory> Standard { get; } = [ComputeDelta.Factory, ClipToNorm.Factory];

    /// <summary>The standard steps followed by <paramref name="options"/>' <see cref="NodeTrainingOptions.ExtraUpdateTransforms"/>.</summary>
    public static NodeUpdatePipelineBuilder For(NodeTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new NodeUpdatePipelineBuilder([.. Standard, .. options.ExtraUpdateTransforms ?? []]);
    }

    /// <summary>The pipeline for <paramref name="plan"/>.</summary>
    public NodeUpdatePipeline Build(LocalTrainingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var steps = new List<(int Stage, INodeUpdateTransform Transform)>(_factories.Length);
        foreach (var factory in _factories)
        {
            if (factory.Create(plan) is { } transform)
            {
                steps.Add((factory.Stage, transform));
            }
        }

        // OrderBy is stable: steps of one stage keep the factories' order.
        return new NodeUpdatePipeline([.. steps.OrderBy(s => s.Stage).Select(s => s.Transform)]);
    }
}
