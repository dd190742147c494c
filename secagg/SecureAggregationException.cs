namespace Federated.SecureAggregation;

/// <summary>
/// A message broke the secure-aggregation protocol (wrong phase, unknown or duplicate party, wrong size, failed
/// authentication) or a party refused a request that would leak a secret. The message names the problem.
/// </summary>
public class SecureAggregationException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public SecureAggregationException()
        : base("the secure-aggregation protocol was violated")
    {
    }

    /// <summary>Creates the exception with a message naming the problem.</summary>
    public SecureAggregationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public SecureAggregationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
