using Federated.Client.Training;

namespace Federated.Client.Federation;

/// <summary>The outcome of waiting for an assignment; <see cref="Assignment"/> and <see cref="Deadline"/> are set when assigned.</summary>
public sealed record AssignmentOffer(AssignmentStatus Status, TrainingAssignment? Assignment = null, DateTimeOffset? Deadline = null);
