namespace Federated.Client.Federation;

/// <summary>
/// The coordinator could not be reached or did not answer in time (gRPC <c>Unavailable</c>, <c>DeadlineExceeded</c>, a
/// broken connection). Unlike <see cref="UpdateRejectedException"/> this is worth retrying, with backoff and the same upload id.
/// </summary>
public sealed class CoordinatorUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, for people.</param>
    /// <param name="inner">The transport's exception.</param>
    public CoordinatorUnavailableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
