using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Training;

/// <summary>A global model version as a node keeps it next to its local state.</summary>
/// <param name="RunId">The run it belongs to.</param>
/// <param name="ModelVersion">Its version.</param>
/// <param name="Model">The run's model, compiled from the spec stored with the version.</param>
/// <param name="Parameters">Full layout (<see cref="CompiledModel.Layout"/> of <paramref name="Model"/>); the shared tensors hold the version, the local ones are zero.</param>
public sealed record GlobalModel(string RunId, long ModelVersion, CompiledModel Model, ParameterSet Parameters)
{
    /// <summary>The run's model spec.</summary>
    public ModelSpec Spec => Model.Spec;
}
