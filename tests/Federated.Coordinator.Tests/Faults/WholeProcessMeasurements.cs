namespace Federated.Coordinator.Tests.Faults;

/// <summary>
/// Test classes that measure the whole process (managed memory after a forced collection) run alone, after the
/// parallel ones, so that no other test's allocations are counted.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WholeProcessMeasurements
{
    /// <summary>The collection's name, for <c>[Collection(WholeProcessMeasurements.Name)]</c>.</summary>
    public const string Name = "serial: whole-process measurements";
}
