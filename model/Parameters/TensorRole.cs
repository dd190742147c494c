namespace Federated.Model.Parameters;

/// <summary>
/// The part of the network a tensor belongs to, assigned once when a spec is compiled into its layout, so that nobody
/// re-derives it from the tensor's name. Together with <see cref="TensorInfo.Task"/> it tells aggregation which labels
/// move a tensor.
/// </summary>
public enum TensorRole
{
    /// <summary>An embedding table of a field (<c>emb/{field}</c>); <see cref="TensorInfo.Field"/> names the field.</summary>
    Embedding,

    /// <summary>A layer of the shared-bottom MLP (<c>bottom/…</c>); belongs to no task.</summary>
    Trunk,

    /// <summary>
    /// A layer of an expert MLP: MMoE experts (<c>expert/{k}/…</c>) and PLE shared experts
    /// (<c>level{l}/expert/shared/{k}/…</c>) belong to no task; PLE task experts (<c>level{l}/expert/{task}/{k}/…</c>)
    /// belong to their task.
    /// </summary>
    Expert,

    /// <summary>
    /// A softmax gate over experts: MMoE task gates (<c>gate/{task}/…</c>) and PLE task gates
    /// (<c>level{l}/gate/{task}/…</c>) belong to their task; PLE shared gates (<c>level{l}/gate/shared/…</c>) to none.
    /// </summary>
    Gate,

    /// <summary>A layer of a task's tower, including its width-1 output layer (<c>tower/{task}/…</c>).</summary>
    Tower,

    /// <summary>
    /// The learned log-variance s_t that weighs a task's loss under uncertainty weighting (<c>uncertainty/{task}</c>,
    /// a 1 × 1 node-local scalar); belongs to its task.
    /// </summary>
    LossWeight,
}
