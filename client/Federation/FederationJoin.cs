using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Federation;

/// <summary>What a node learns when it joins: its id, the run, the run's model (compiled) and the current global version.</summary>
/// <param name="NodeId">The node's id as the coordinator knows it.</param>
/// <param name="RunId">The run joined.</param>
/// <param name="Model">
/// The run's model, compiled by the connection from the spec the coordinator sent: the one instance the node hands to its
/// data, session and uploads (a connection reuses it for later joins with the same spec).
/// </param>
/// <param name="LayoutFingerprint">
/// Fingerprint of the parameter layout as the coordinator states it (<c>ParameterLayout.Fingerprint</c>); must equal
/// <paramref name="Model"/>'s <see cref="CompiledModel.Fingerprint"/>, or the two sides disagree on the model.
/// </param>
/// <param name="ModelVersion">The current global model version.</param>
/// <param name="Privacy">For a private run, the guarantee of versions 1..<paramref name="ModelVersion"/>; null otherwise.</param>
public sealed record FederationJoin(string NodeId, string RunId, CompiledModel Model, string LayoutFingerprint, long ModelVersion, RunPrivacy? Privacy = null)
{
    /// <summary>The run's model spec (that of <see cref="Model"/>).</summary>
    public ModelSpec Spec => Model.Spec;
}
