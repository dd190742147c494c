namespace Federated.Client.Data;

/// <summary>A data file or schema does not match what was declared; the message names the file and column.</summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, naming the file and column.</param>
    /// <param name="column">The column (or schema key) at fault, if one is.</param>
    public DataFormatException(string message, string? column = null)
        : base(message)
    {
        Column = column;
    }

    /// <summary>The column (or schema key) at fault, if one is.</summary>
    public string? Column { get; }
}
