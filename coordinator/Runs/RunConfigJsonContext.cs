using System.Text.Json;
using System.Text.Json.Serialization;

namespace Federated.Coordinator.Runs;

/// <summary>Source-generated JSON metadata for <see cref="RunConfig"/>: camelCase keys, kebab-case enums, unknown keys rejected.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    WriteIndented = true,
    IgnoreReadOnlyProperties = true,
    Converters = [typeof(ModelSpecJsonConverter), typeof(NoQuorumPolicyJsonConverter), typeof(LocalTrainingPlanJsonConverter)])]
[JsonSerializable(typeof(RunConfig))]
internal sealed partial class RunConfigJsonContext : JsonSerializerContext;
