using Federated.Model.Spec;

namespace Federated.Client.Federation;

/// <summary>What a node learns when it joins: its id, the run, the model and the current global version.</summary>
/// <param name="NodeId">The node's id as the coordinator knows it.</param>
/// <param name="RunId">The run joined.</param>
/// <param name="Spec">The run's model spec.</param>
/// <param name="LayoutFingerprint">Fingerprint of the parameter layout (<c>ParameterLayout.Fingerprint</c>); must match the node's.</param>
/// <param name="ModelVersion">The current global model version.</param>
public sealed record FederationJoin(string NodeId, string RunId, ModelSpec Spec, string LayoutFingerprint, long ModelVersion);
