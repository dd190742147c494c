using Federated.Coordinator.Aggregation;
using Federated.Model.Parameters;

namespace Federated.Coordinator.Rounds;

/// <summary>
/// The model versions of a run: the next one written at a commit, leases on them for readers, the stored versions and
/// the operator's marks that keep a version beyond the retention window.
/// </summary>
public sealed partial class RoundEngine
{
    /// <summary>
    /// A committed version for reading, lent until the lease is disposed: the current version without a copy, an older
    /// one read from the store. Prefer it to <see cref="GetModel(string, long)"/> for anything that reads the values
    /// once (an export): the buffer of a version read through a lease can be reused for a later version afterwards.
    /// </summary>
    /// <exception cref="RejectionException">Unknown run, or no such version.</exception>
    public ModelLease OpenModel(string runId, long version) => OpenModel(RequireRun(runId), version);

    /// <summary>
    /// Like <see cref="OpenModel(string, long)"/> for a node: what <see cref="DownloadModel"/> checks, then a lease.
    /// </summary>
    /// <exception cref="RejectionException">Unknown or revoked node, unknown run, a node that has not joined the run (<see cref="Rejection.NotJoined"/>), or no such version.</exception>
    public ModelLease OpenModel(string nodeId, string runId, long version)
    {
        RequireNode(nodeId);
        var run = RequireRun(runId);
        RequireMember(nodeId, run);
        return OpenModel(run, version);
    }

    private ModelLease OpenModel(RunSession run, long version)
    {
        lock (run.State)
        {
            if (version == run.Version && run.Global is not null)
            {
                return run.Buffers.Lease(version);
            }

            if (version < 0 || version > run.Version)
            {
                throw new RejectionException(Rejection.FutureBaseVersion, $"run {run.Id} has versions 0–{run.Version}, not {version}");
            }
        }

        return new ModelLease(version, LoadVersion(run, version), null);
    }

    /// <summary>How many commits of a run wrote their version into the reused spare buffer (tests and benchmarks).</summary>
    internal long ReusedVersionBuffers(string runId)
    {
        var run = RequireRun(runId);
        lock (run.State)
        {
            return run.Buffers.Reused;
        }
    }

    /// <summary>
    /// The closing round's next version and what it changed: written in place into the run's spare buffer when the
    /// pipeline allows (a row-sparse FedAvg round then copies and changes only the rows it touched), else a new set from
    /// the pipeline's <see cref="Pipeline.RoundAggregation.Finish"/>. The caller holds the run's writer lock, not its state lock.
    /// </summary>
    private static (ParameterSet Next, ParameterChanges Changes) FinishVersion(RunSession run, RoundSession open)
    {
        if (!open.Aggregation.CanFinishInPlace || run.Global is null)
        {
            var next = open.Aggregation.Finish();
            return (next, ParameterChanges.All(next.Values.Length));
        }

        var target = run.Buffers.PrepareNext();
        try
        {
            return (target, open.Aggregation.FinishInto(target));
        }
        catch
        {
            run.Buffers.Discard();
            throw;
        }
    }

    /// <summary>The versions of a run still stored, oldest first.</summary>
    /// <exception cref="RejectionException">Unknown run.</exception>
    public IReadOnlyList<StoredVersion> ListVersions(string runId)
    {
        var run = RequireRun(runId);
        return _store.ListVersions(run.Id);
    }

    /// <summary>Marks a stored version to be kept for good (or releases the mark); version 0 and the newest versions are kept anyway.</summary>
    /// <exception cref="RejectionException">Unknown run, or the version is not stored (never committed, or already deleted).</exception>
    public void KeepVersion(string runId, long version, bool keep)
    {
        var run = RequireRun(runId);
        if (!_store.SetVersionKept(run.Id, version, keep))
        {
            throw new RejectionException(Rejection.VersionNotStored, $"run {run.Id} stores no version {version}");
        }
    }
}
