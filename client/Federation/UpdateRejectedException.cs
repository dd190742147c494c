namespace Federated.Client.Federation;

/// <summary>
/// The coordinator refused an update or evaluation for a reason that retrying will not fix (stale round, wrong shape,
/// norm above the clip bound, …). <see cref="Reason"/> is the coordinator's reason code.
/// </summary>
public sealed class UpdateRejectedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public UpdateRejectedException(string reason, string message, Exception? inner = null)
        : base(message, inner)
    {
        Reason = reason;
    }

    /// <summary>The reason of a refusal because the operator revoked the node's token: the node can do nothing more in any run.</summary>
    public const string NodeRevoked = "node-revoked";

    /// <summary>The coordinator's reason code, e.g. <c>stale-round</c>.</summary>
    public string Reason { get; }

    /// <summary>Whether the node's token was revoked: the end of the node, not of one update.</summary>
    public bool IsRevocation => string.Equals(Reason, NodeRevoked, StringComparison.Ordinal);
}
