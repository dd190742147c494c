using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Coordinator.Rounds;

/// <summary>What operators and nodes read: runs, their models, rounds, metrics and who is connected. Reads never wait for a commit being written.</summary>
public sealed partial class RoundEngine
{
    /// <summary>Every run, oldest first.</summary>
    public IReadOnlyList<RunSummary> ListRuns() =>
        AllRuns().Select(Summary).OrderBy(r => r.CreatedAt).ThenBy(r => r.RunId.Length).ThenBy(r => r.RunId, StringComparer.Ordinal).ToList();

    /// <summary>One run.</summary>
    /// <exception cref="RejectionException">Unknown run.</exception>
    public RunSummary GetRun(string runId) => Summary(RequireRun(runId));

    /// <summary>
    /// The (ε, δ) of a private run's versions 1..v together, for every committed version v, version 1 first; empty for a run
    /// that is not private. z and q are fixed for a run, so ε depends on v alone; the last entry is the run's ledger.
    /// </summary>
    /// <exception cref="RejectionException">Unknown run.</exception>
    public IReadOnlyList<Privacy.PrivacySpent> PrivacyByVersion(string runId)
    {
        var run = RequireRun(runId);
        if (run.Pipeline.Privacy is not { } dp)
        {
            return [];
        }

        long version;
        Privacy.PrivacySpent? spent;
        Aggregation.Privacy.PrivacyLedger? ledger;
        lock (run.State)
        {
            version = run.Version;
            spent = run.PrivacySpent;
            ledger = run.Privacy;
        }

        // One step's RDP times v is what RdpAccountant.Epsilon(q, z, v, δ) converts; the series is computed once. A run
        // composed with earlier ones (privacy.composeWith) started from their RDP: the ledger's RDP less its own steps.
        var plan = dp.Plan;
        var step = new Privacy.RdpAccountant();
        step.Compose(plan.SampleRate, plan.NoiseMultiplier);
        var prior = new double[step.Rdp.Count];
        if (ledger is { } l && l.Accountant.Orders.SequenceEqual(step.Orders))
        {
            for (var k = 0; k < prior.Length; k++)
            {
                var own = l.Accountant.Rdp[k] - (step.Rdp[k] * l.Steps);
                prior[k] = double.IsFinite(own) ? Math.Max(0, own) : l.Accountant.Rdp[k];
            }
        }

        var rdp = new double[step.Rdp.Count];
        var perVersion = new List<Privacy.PrivacySpent>((int)Math.Min(version, 1 << 20));
        for (var v = 1L; v < version; v++)
        {
            for (var k = 0; k < rdp.Length; k++)
            {
                rdp[k] = prior[k] + (step.Rdp[k] * v);
            }

            perVersion.Add(Privacy.RdpConversion.ToEpsilon(step.Orders, rdp, plan.Delta));
        }

        if (version > 0 && spent is { } last)
        {
            perVersion.Add(last);
        }

        return perVersion;
    }

    /// <summary>The model spec of a run.</summary>
    /// <exception cref="RejectionException">Unknown run.</exception>
    public ModelSpec GetSpec(string runId) => RequireRun(runId).Config.Spec;

    /// <summary>The layout of the parameters the coordinator holds for a run.</summary>
    /// <exception cref="RejectionException">Unknown run.</exception>
    public ParameterLayout GetLayout(string runId) => RequireRun(runId).Layout;

    /// <summary>
    /// The parameters of a committed version. The current version of an active run is the engine's own instance:
    /// read it, never write it. Its buffer is then never reused for a later version (that commit copies the whole
    /// model), so readers that are done with the values at a known point take <see cref="OpenModel(string, long)"/>.
    /// </summary>
    /// <exception cref="RejectionException">Unknown run, or no such version.</exception>
    public ParameterSet GetModel(string runId, long version) => GetModel(RequireRun(runId), version);

    /// <summary>
    /// The parameters of a committed version for a node: like <see cref="GetModel(string, long)"/>, for a node that joined
    /// the run (<see cref="Join"/> or a poll, before or since a restart) and has not left it.
    /// </summary>
    /// <exception cref="RejectionException">Unknown or revoked node, unknown run, a node that has not joined the run (<see cref="Rejection.NotJoined"/>), or no such version.</exception>
    public ParameterSet DownloadModel(string nodeId, string runId, long version)
    {
        RequireNode(nodeId);
        var run = RequireRun(runId);
        RequireMember(nodeId, run);
        return GetModel(run, version);
    }

    private ParameterSet GetModel(RunSession run, long version)
    {
        lock (run.State)
        {
            if (version == run.Version && run.Global is not null)
            {
                run.Buffers.Pin();
                return run.Global;
            }

            if (version < 0 || version > run.Version)
            {
                throw new RejectionException(Rejection.FutureBaseVersion, $"run {run.Id} has versions 0–{run.Version}, not {version}");
            }
        }

        return LoadVersion(run, version);
    }

    /// <summary>Every round of a run.</summary>
    /// <exception cref="RejectionException">Unknown run.</exception>
    public IReadOnlyList<StoredRound> ListRounds(string runId)
    {
        var run = RequireRun(runId);
        var rounds = _store.LoadRounds(runId).ToList();
        lock (run.State)
        {
            if (run.OpenRound is { } open)
            {
                var index = rounds.FindIndex(r => r.Round == open.Round);
                if (index >= 0)
                {
                    rounds[index] = open.ToStored(run.Id, RoundState.Open);
                }
            }
        }

        return rounds;
    }

    /// <summary>Every stored metric of a run (train: per round; eval: per evaluated version).</summary>
    /// <exception cref="RejectionException">Unknown run.</exception>
    public IReadOnlyList<StoredMetric> GetMetrics(string runId)
    {
        RequireRun(runId);
        return _store.LoadMetrics(runId);
    }

    /// <summary>Connection state of every node that called in since the start.</summary>
    public IReadOnlyList<NodePresence> ListPresence() => _presence.List();

    private static RunSummary Summary(RunSession run)
    {
        lock (run.State)
        {
            return Summarize(run);
        }
    }
}
