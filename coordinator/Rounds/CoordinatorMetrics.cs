using System.Diagnostics.Metrics;

namespace Federated.Coordinator.Rounds;

/// <summary>
/// The coordinator's meter <c>Federated.Coordinator</c>: rounds committed and failed, updates accepted and rejected
/// (tagged by <c>reason</c>), round duration in seconds, update size in values, and bulk upload connections (tagged by
/// <c>outcome</c>).
/// </summary>
public sealed class CoordinatorMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Federated.Coordinator";

    private readonly Counter<long> _roundsCommitted;
    private readonly Counter<long> _roundsFailed;
    private readonly Counter<long> _updatesAccepted;
    private readonly Counter<long> _updatesRejected;
    private readonly Histogram<double> _roundDuration;
    private readonly Histogram<long> _updateValues;
    private readonly Counter<long> _bulkConnections;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public CoordinatorMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _roundsCommitted = meter.CreateCounter<long>("federated.rounds.committed", "{round}", "Rounds aggregated and stored");
        _roundsFailed = meter.CreateCounter<long>("federated.rounds.failed", "{round}", "Rounds ended without quorum");
        _updatesAccepted = meter.CreateCounter<long>("federated.updates.accepted", "{update}", "Updates folded into an aggregate");
        _updatesRejected = meter.CreateCounter<long>("federated.updates.rejected", "{update}", "Updates rejected, by reason");
        _roundDuration = meter.CreateHistogram<double>("federated.round.duration", "s", "From a round's start to its commit");
        _updateValues = meter.CreateHistogram<long>("federated.update.values", "{value}", "Floats carried by an accepted update");
        _bulkConnections = meter.CreateCounter<long>("federated.bulk.connections", "{connection}", "Bulk upload connections served, by outcome");
    }

    internal void RoundCommitted(TimeSpan duration)
    {
        _roundsCommitted.Add(1);
        _roundDuration.Record(duration.TotalSeconds);
    }

    internal void RoundFailed() => _roundsFailed.Add(1);

    internal void UpdateAccepted(long values)
    {
        _updatesAccepted.Add(1);
        _updateValues.Record(values);
    }

    /// <summary>Counts a bulk connection that ended with <paramref name="outcome"/> (<see cref="Bulk.BulkOutcome"/>).</summary>
    internal void BulkConnection(Bulk.BulkOutcome outcome) =>
        _bulkConnections.Add(1, new KeyValuePair<string, object?>("outcome", outcome.ToString()));

    internal void UpdateRejected(Rejection reason) =>
        _updatesRejected.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));
}
