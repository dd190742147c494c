namespace Federated.Client.Data;

/// <summary>What a source's examples carry: the names of its fields, numeric features and tasks.</summary>
/// <param name="Fields">Categorical field names; they match <c>ModelSpec.Fields</c> by name.</param>
/// <param name="Numeric">Numeric feature names; they match <c>ModelSpec.Numeric</c> by name.</param>
/// <param name="Tasks">Task names; they match <c>ModelSpec.Tasks</c> by name.</param>
/// <param name="UserField">The field that identifies a user (for recommendations), if any.</param>
/// <param name="ItemField">The field that identifies an item (for recommendations), if any.</param>
/// <param name="ItemFeatureFields">Further fields that describe the item rather than the user (e.g. genres).</param>
/// <param name="HasTime">Whether examples carry a time key.</param>
public sealed record ExampleSchema(
    IReadOnlyList<string> Fields,
    IReadOnlyList<string> Numeric,
    IReadOnlyList<string> Tasks,
    string? UserField = null,
    string? ItemField = null,
    IReadOnlyList<string>? ItemFeatureFields = null,
    bool HasTime = false);
