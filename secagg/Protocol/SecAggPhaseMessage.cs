using Federated.SecureAggregation.Protocol.Messages;

namespace Federated.SecureAggregation.Protocol;

/// <summary>The server's answer to a party asking what to do next; exactly the payload of <see cref="Kind"/> is set.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Directory">With <see cref="SecAggPhaseKind.KeyDirectory"/>.</param>
/// <param name="Inbox">With <see cref="SecAggPhaseKind.ShareInbox"/>.</param>
/// <param name="Request">With <see cref="SecAggPhaseKind.UnmaskRequest"/>.</param>
/// <param name="Reason">With <see cref="SecAggPhaseKind.Failed"/>: one line saying why.</param>
public sealed record SecAggPhaseMessage(SecAggPhaseKind Kind, KeyDirectory? Directory = null, ShareInbox? Inbox = null, UnmaskRequest? Request = null, string? Reason = null)
{
    /// <summary>Nothing yet.</summary>
    public static SecAggPhaseMessage Waiting { get; } = new(SecAggPhaseKind.Wait);

    /// <summary>The party's part is over.</summary>
    public static SecAggPhaseMessage Finished { get; } = new(SecAggPhaseKind.Done);

    /// <summary>The round failed or went on without the party.</summary>
    public static SecAggPhaseMessage FailedBecause(string reason) => new(SecAggPhaseKind.Failed, Reason: reason);
}
