namespace Federated.Coordinator.Rounds.Pipeline;

/// <summary>
/// A coordinator step applied to each validated update before the strategy sees it (server-side norm bounding,
/// unmasking of a secure-aggregation share, decompression, …).
/// </summary>
/// <remarks>
/// Runs after complete validation and before any state of the round changes: it may refuse the update by throwing a
/// <see cref="RejectionException"/>, and then nothing is counted. It must not keep the update unless it says so in its
/// documentation (memory grows with what it keeps).
/// </remarks>
public interface IUpdateTransform
{
    /// <summary>A short name for logs and reports, e.g. <c>norm-bound</c>.</summary>
    string Name { get; }

    /// <summary>The update as the next step should see it; may be <paramref name="update"/> itself.</summary>
    NodeUpdate Transform(NodeUpdate update, RoundContext context);
}
