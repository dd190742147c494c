using System.Text.Json;
using System.Text.Json.Serialization;

namespace Federated.Model.Spec;

/// <summary>Source-generated JSON metadata for <see cref="ModelSpec"/>: camelCase keys, kebab-case enums, unknown keys rejected.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    WriteIndented = true,
    IgnoreReadOnlyProperties = true,
    Converters = [typeof(KebabCaseEnumConverter<ParameterScope>), typeof(KebabCaseEnumConverter<TrunkKind>), typeof(KebabCaseEnumConverter<TaskKind>)])]
[JsonSerializable(typeof(ModelSpec))]
internal sealed partial class ModelSpecJsonContext : JsonSerializerContext;
