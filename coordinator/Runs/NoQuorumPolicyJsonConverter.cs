using Federated.Model.Spec;

namespace Federated.Coordinator.Runs;

/// <summary>Reads and writes <see cref="NoQuorumPolicy"/> as <c>retry</c> / <c>fail</c>.</summary>
internal sealed class NoQuorumPolicyJsonConverter : KebabCaseEnumConverter<NoQuorumPolicy>;
