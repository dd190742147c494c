using Federated.Model.Parameters;
using Federated.Model.Updates;

namespace Federated.Coordinator.Aggregation;

/// <summary>Collects the validated updates of one round and produces the next global model.</summary>
public interface IRoundAggregator
{
    /// <summary>Updates folded in so far.</summary>
    int Count { get; }

    /// <summary>
    /// Folds in one validated update (shared tensors only). The delta's arrays are the caller's again once this returns
    /// (the coordinator reuses them for the next upload): a strategy that needs values later copies them.
    /// </summary>
    void Add(ModelDelta delta, UpdateWeights weights);

    /// <summary>The next global parameters, as a new set; the round's base set is not modified.</summary>
    ParameterSet Finish();
}
