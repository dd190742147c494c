using System.Text.Json;
using System.Text.Json.Serialization;

namespace Federated.Model.Spec;

/// <summary>Reads and writes enum values as kebab-case strings (<c>shared-bottom</c>), rejecting numbers and unknown names.</summary>
internal sealed class KebabCaseEnumConverter<TEnum> : JsonStringEnumConverter<TEnum>
    where TEnum : struct, Enum
{
    public KebabCaseEnumConverter()
        : base(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false)
    {
    }
}
