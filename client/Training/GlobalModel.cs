using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Training;

/// <summary>A global model version as a node keeps it next to its local state.</summary>
/// <param name="RunId">The run it belongs to.</param>
/// <param name="ModelVersion">Its version.</param>
/// <param name="Spec">The run's model spec.</param>
/// <param name="Parameters">Full layout; the shared tensors hold the version, the local ones are zero.</param>
public sealed record GlobalModel(string RunId, long ModelVersion, ModelSpec Spec, ParameterSet Parameters);
