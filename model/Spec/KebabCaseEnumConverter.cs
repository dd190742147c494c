using System.Text.Json;
using System.Text.Json.Serialization;

namespace Federated.Model.Spec;

/// <summary>
/// Reads and writes an enum as its kebab-case name (<c>SharedBottom</c> ↔ <c>shared-bottom</c>), as
/// <see cref="JsonStringEnumConverter"/> with <see cref="JsonNamingPolicy.KebabCaseLower"/> does, but refuses a value that
/// is not exactly one of the names (any letter case, or the member's own name as in <c>SharedBottom</c>; no integers, no
/// surrounding spaces) with a message that lists them:
/// <c>'ordinal' is not one of: binary, regression</c> instead of "could not be converted to Federated.Model.Spec.TaskKind".
/// </summary>
/// <typeparam name="TEnum">The enum.</typeparam>
public class KebabCaseEnumConverter<TEnum> : JsonConverter<TEnum>
    where TEnum : struct, Enum
{
    private static readonly (TEnum Value, string Name)[] Names =
        [.. Enum.GetValues<TEnum>().Select(v => (v, JsonNamingPolicy.KebabCaseLower.ConvertName(v.ToString())))];

    /// <summary>The accepted names, comma-separated, in declaration order.</summary>
    private static readonly string Accepted = string.Join(", ", Names.Select(n => n.Name));

    /// <inheritdoc/>
    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"expected a string, one of: {Accepted}");
        }

        var text = reader.GetString()!;
        foreach (var (value, name) in Names)
        {
            // The member's own name (SharedBottom) is read too, as JsonStringEnumConverter did: configs stored by earlier
            // versions keep loading.
            if (string.Equals(text, name, StringComparison.OrdinalIgnoreCase) || string.Equals(text, value.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        throw new JsonException($"'{text}' is not one of: {Accepted}");
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var (known, name) in Names)
        {
            if (EqualityComparer<TEnum>.Default.Equals(known, value))
            {
                writer.WriteStringValue(name);
                return;
            }
        }

        throw new JsonException($"{typeof(TEnum).Name} {value} has no name");
    }
}

/// <summary>Creates a <see cref="KebabCaseEnumConverter{TEnum}"/> for every enum a reflection-based serializer meets.</summary>
public sealed class KebabCaseEnumConverterFactory : JsonConverterFactory
{
    /// <inheritdoc/>
    public override bool CanConvert(Type typeToConvert) => typeToConvert?.IsEnum == true;

    /// <inheritdoc/>
    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(KebabCaseEnumConverter<>).MakeGenericType(typeToConvert))!;
}
