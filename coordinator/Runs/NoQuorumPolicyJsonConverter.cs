using System.Text.Json;
using System.Text.Json.Serialization;

namespace Federated.Coordinator.Runs;

/// <summary>Reads and writes <see cref="NoQuorumPolicy"/> as <c>retry</c> / <c>fail</c>.</summary>
internal sealed class NoQuorumPolicyJsonConverter : JsonStringEnumConverter<NoQuorumPolicy>
{
    public NoQuorumPolicyJsonConverter()
        : base(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false)
    {
    }
}
