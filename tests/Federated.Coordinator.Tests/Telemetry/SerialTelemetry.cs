namespace Federated.Coordinator.Tests.Telemetry;

/// <summary>
/// Activity listeners and OpenTelemetry's meter listener hear every coordinator in the process, not only the test's
/// own: tests that count what they hear run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(nameof(SerialTelemetry), DisableParallelization = true)]
public sealed class SerialTelemetry;
