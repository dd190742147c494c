namespace Federated.Coordinator.Rounds;

/// <summary>The stored model versions of a run, and the operator's marks that keep a version beyond the retention window.</summary>
public sealed partial class RoundEngine
{
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
