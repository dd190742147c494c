namespace Federated.Model.Parameters;

/// <summary>The naming convention for tensors, shared by the layout and the network that reads it.</summary>
/// <remarks>
/// Field and task names become path segments, so they must not contain '/', and a PLE task must not be called
/// <see cref="PleShared"/>; <see cref="Spec.ModelSpec.Validate"/> enforces both. No other pair of names can collide:
/// every name starts with a fixed segment (<c>emb</c>, <c>bottom</c>, <c>expert</c>, <c>gate</c>,
/// <c>level{l}</c>, <c>tower</c>, <c>uncertainty</c>), and within each the user's name sits at a fixed depth
/// followed by fixed segments (a task called <c>out</c> gives <c>tower/out/dense0/w</c> and <c>tower/out/out/w</c>).
/// </remarks>
public static class TensorNames
{
    /// <summary>Embedding table of a field.</summary>
    public static string Embedding(string field) => $"emb/{field}";

    /// <summary>Weight matrix [in, out] of the dense layer <paramref name="prefix"/>.</summary>
    public static string Weight(string prefix) => $"{prefix}/w";

    /// <summary>Bias [out] of the dense layer <paramref name="prefix"/>.</summary>
    public static string Bias(string prefix) => $"{prefix}/b";

    /// <summary>Layer <paramref name="index"/> of an MLP.</summary>
    public static string Dense(string mlp, int index) => $"{mlp}/dense{index}";

    /// <summary>The shared-bottom MLP.</summary>
    public const string Bottom = "bottom";

    /// <summary>MMoE expert <paramref name="k"/>.</summary>
    public static string MmoeExpert(int k) => $"expert/{k}";

    /// <summary>MMoE gate of a task.</summary>
    public static string MmoeGate(string task) => $"gate/{task}";

    /// <summary>
    /// The path segment of PLE's shared experts and gates, where task experts and gates have a task name: so no PLE
    /// task may be called this.
    /// </summary>
    public const string PleShared = "shared";

    /// <summary>PLE shared expert <paramref name="k"/> of a level.</summary>
    public static string PleSharedExpert(int level, int k) => $"level{level}/expert/{PleShared}/{k}";

    /// <summary>PLE task-specific expert <paramref name="k"/> of a task at a level.</summary>
    public static string PleTaskExpert(int level, string task, int k) => $"level{level}/expert/{task}/{k}";

    /// <summary>PLE gate of a task at a level.</summary>
    public static string PleTaskGate(int level, string task) => $"level{level}/gate/{task}";

    /// <summary>PLE shared gate of a level (all levels but the last).</summary>
    public static string PleSharedGate(int level) => $"level{level}/gate/{PleShared}";

    /// <summary>Tower of a task.</summary>
    public static string Tower(string task) => $"tower/{task}";

    /// <summary>Output layer (width 1) of a task's tower.</summary>
    public static string TowerOutput(string task) => $"tower/{task}/out";

    /// <summary>Learned log-variance s_t of a task's loss (uncertainty weighting).</summary>
    public static string Uncertainty(string task) => $"uncertainty/{task}";
}
