using System.Text.Json;
using System.Text.Json.Serialization;
using Federated.Model.Optimization;
using Federated.Model.Spec;
using Federated.Model.Training;

namespace Federated.Coordinator.Runs;

/// <summary>Reads and writes a run config's <c>training</c> section, a <see cref="LocalTrainingPlan"/>.</summary>
/// <remarks>
/// Reflection-based on purpose, like the model spec: the source generator sets every init-only property through an
/// object initializer, so an absent key would overwrite the plan's default (batch size 64) with zero.
/// </remarks>
internal sealed class LocalTrainingPlanJsonConverter : JsonConverter<LocalTrainingPlan>
{
    private static readonly JsonSerializerOptions PlanOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        IgnoreReadOnlyProperties = true,
        Converters = { new KebabCaseEnumConverter<OptimizerKind>() },
    };

    public override LocalTrainingPlan? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        try
        {
            return document.RootElement.Deserialize<LocalTrainingPlan>(PlanOptions);
        }
        catch (JsonException e)
        {
            var path = string.IsNullOrEmpty(e.Path) ? "" : e.Path.TrimStart('$');
            throw RunConfigException.FromJson("$.training" + path, e);
        }
    }

    public override void Write(Utf8JsonWriter writer, LocalTrainingPlan value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, PlanOptions);
}
