using System.Text.Json;
using System.Text.Json.Serialization;
using Federated.Model.Spec;

namespace Federated.Coordinator.Runs;

/// <summary>Reads the <c>model</c> key of a run config through <see cref="ModelSpec.FromJson"/>, so its own validation applies.</summary>
internal sealed class ModelSpecJsonConverter : JsonConverter<ModelSpec>
{
    public override ModelSpec Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        try
        {
            return ModelSpec.FromJson(document.RootElement.GetRawText());
        }
        catch (ModelSpecException e)
        {
            throw new RunConfigException("model." + e.Key, e.Message, e);
        }
    }

    public override void Write(Utf8JsonWriter writer, ModelSpec value, JsonSerializerOptions options)
    {
        using var document = JsonDocument.Parse(value.ToJson());
        document.RootElement.WriteTo(writer);
    }
}
