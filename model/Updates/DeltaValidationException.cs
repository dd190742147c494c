namespace Federated.Model.Updates;

/// <summary>A delta that does not fit its layout; <see cref="Error"/> says why and the message names the tensor.</summary>
public sealed class DeltaValidationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DeltaValidationException(DeltaValidationError error, string message)
        : base(message)
    {
        Error = error;
    }

    /// <summary>The reason.</summary>
    public DeltaValidationError Error { get; }
}
