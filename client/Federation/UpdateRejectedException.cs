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

    /// <summary>The coordinator's reason code, e.g. <c>stale-round</c>.</summary>
    public string Reason { get; }
}
