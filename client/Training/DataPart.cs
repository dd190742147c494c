namespace Federated.Client.Training;

/// <summary>A part of a node's split.</summary>
public enum DataPart
{
    /// <summary>The training part.</summary>
    Train,

    /// <summary>The validation part.</summary>
    Validation,

    /// <summary>The test part.</summary>
    Test,
}
