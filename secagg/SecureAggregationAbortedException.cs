namespace Federated.SecureAggregation;

/// <summary>
/// The round cannot complete: fewer than the threshold t of parties remained at some phase (or in some neighbourhood),
/// so the sum cannot be unmasked. The server stops at that point and has asked nobody for a secret it must not learn;
/// the caller retries the round with fresh keys.
/// </summary>
public sealed class SecureAggregationAbortedException : SecureAggregationException
{
    /// <summary>Creates the exception with a default message.</summary>
    public SecureAggregationAbortedException()
        : base("the secure-aggregation round was aborted")
    {
    }

    /// <summary>Creates the exception with a message naming the phase and the counts.</summary>
    public SecureAggregationAbortedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public SecureAggregationAbortedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
