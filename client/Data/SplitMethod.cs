namespace Federated.Client.Data;

/// <summary>How examples are split into train, validation and test.</summary>
public enum SplitMethod
{
    /// <summary>A seeded random permutation.</summary>
    Random,

    /// <summary>By time: the latest examples are the test set, the ones before them validation.</summary>
    Time,
}
