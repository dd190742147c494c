namespace Federated.Coordinator.Bulk;

/// <summary>How a bulk upload connection ended (the <c>outcome</c> tag of <c>federated.bulk.connections</c>).</summary>
public enum BulkOutcome
{
    /// <summary>The update was counted (or recognised as a retry of one already counted).</summary>
    Accepted,

    /// <summary>The engine refused the update, or it broke a limit (time); nothing was counted.</summary>
    Refused,

    /// <summary>A wrong preamble, or a ticket unknown, used or expired.</summary>
    TicketRefused,

    /// <summary>The connection ended or stalled before its answer (TLS failed, no preamble in time, values cut short).</summary>
    BrokenOff,

    /// <summary>Closed on arrival: <see cref="BulkUploadOptions.MaxConnections"/> connections were open already.</summary>
    TooManyConnections,
}
