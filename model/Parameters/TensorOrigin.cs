namespace Federated.Model.Parameters;

/// <summary>What in the spec declares a group of tensors, and the role and task it gives them.</summary>
/// <param name="Key">JSON path of the declaration, e.g. <c>tasks[1]</c> or <c>trunk.sharedExperts</c>, for errors.</param>
/// <param name="Role">The role of every tensor of the group.</param>
/// <param name="Task">The task the group belongs to, or null.</param>
/// <param name="Field">The field of an embedding table, or null.</param>
internal readonly record struct TensorOrigin(string Key, TensorRole Role, string? Task = null, string? Field = null);
