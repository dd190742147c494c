namespace Federated.Client.Data;

/// <summary>How examples are split into train, validation and test.</summary>
public enum SplitMethod
{
    /// <summary>A seeded random permutation.</summary>
    Random,

    /// <summary>By time: the latest examples are the test set, the ones before them validation.</summary>
    Time,

    /// <summary>
    /// By a seeded hash of each example's content: an example's part depends on nothing but the example and the seed, so
    /// rows added to the data later never move an old row between train and test (what a node that picks up new data
    /// needs). The parts' sizes match the fractions only in expectation.
    /// </summary>
    Hash,
}
