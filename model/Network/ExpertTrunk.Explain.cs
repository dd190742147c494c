using Federated.Model.Spec;

namespace Federated.Model.Network;

/// <summary>The gates' weights of the last forward pass, for explanations.</summary>
internal sealed partial class ExpertTrunk
{
    /// <summary>Number of levels (1 for MMoE).</summary>
    public int LevelCount => _levels.Length;

    /// <summary>
    /// Task <paramref name="task"/>'s gate weights at <paramref name="level"/> after <see cref="Forward"/>: [n, experts of
    /// the gate], each row a softmax (the very buffer the mixture read).
    /// </summary>
    public ReadOnlySpan<float> TaskGateWeights(int level, int task, int n)
    {
        var gate = _levels[level].TaskGates[task];
        return gate.Probabilities.AsSpan(0, n * gate.Experts.Length);
    }

    /// <summary>
    /// Names of the experts task <paramref name="task"/>'s gate mixes, in the gate's order: <c>e{k}</c> for MMoE;
    /// <c>shared{k}</c> then <c>{task}{k}</c> for PLE (the order the constructor gives the gate its members).
    /// </summary>
    public static string[] TaskGateExperts(ModelSpec spec, int task)
    {
        var trunk = spec.Trunk;
        if (trunk.Kind == TrunkKind.Mmoe)
        {
            return [.. Enumerable.Range(0, trunk.Experts).Select(k => $"e{k}")];
        }

        var name = spec.Tasks[task].Name;
        return [.. Enumerable.Range(0, trunk.SharedExperts).Select(k => $"shared{k}"), .. Enumerable.Range(0, trunk.TaskExperts).Select(k => $"{name}{k}")];
    }
}
