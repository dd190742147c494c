using Federated.Client.Training;

namespace Federated.Client.Federation;

/// <summary>The outcome of waiting for an assignment; <see cref="Assignment"/> and <see cref="Deadline"/> are set when assigned.</summary>
/// <param name="Status">Assigned, wait, or the run ended.</param>
/// <param name="Assignment">The work, when assigned.</param>
/// <param name="Deadline">When the round stops waiting for the update, when assigned.</param>
/// <param name="Privacy">For a private run, the guarantee of its versions up to the latest one (the one an assignment names); null otherwise.</param>
public sealed record AssignmentOffer(AssignmentStatus Status, TrainingAssignment? Assignment = null, DateTimeOffset? Deadline = null, RunPrivacy? Privacy = null);
