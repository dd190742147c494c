namespace Federated.Coordinator.Rounds;

/// <summary>A node request that was refused (an update is then not counted); <see cref="Reason"/> says why, the message names the problem.</summary>
public sealed class RejectionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RejectionException(Rejection reason, string message, Exception? inner = null)
        : base(message, inner)
    {
        Reason = reason;
    }

    /// <summary>The reason.</summary>
    public Rejection Reason { get; }
}
