using System.Text.Json;
using System.Text.Json.Serialization;

namespace Federated.Model.Spec;

/// <summary>JSON settings for <see cref="ModelSpec"/>: camelCase keys, kebab-case enums, unknown keys rejected.</summary>
/// <remarks>
/// Reflection-based on purpose: the source generator sets every init-only property through an object initializer,
/// so an absent key would overwrite a property's default (e.g. <c>levels</c> = 1) with zero.
/// </remarks>
internal static class ModelSpecJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        IgnoreReadOnlyProperties = true,
        Converters = { new KebabCaseEnumConverterFactory() },
    };
}
