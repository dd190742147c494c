using Federated.Protos.V1;
using Xunit.Abstractions;

namespace Federated.Coordinator.Tests.Faults;

/// <summary>
/// The coordinator process killed with SIGKILL at seeded-random points of a scripted run (before and after joins,
/// between the updates of a round, in the middle of an upload, while the round's last update commits), 20 times, and
/// restarted on the same SQLite file each time: the run must still complete, every round committed once from all of
/// its updates, with the same final model as the same script run undisturbed.
/// </summary>
public sealed class CrashRestartTests(ITestOutputHelper output) : IDisposable
{
    private const int Nodes = 3;
    private const int Rounds = 6;
    private const int KillCount = 20;

    private readonly List<CoordinatorProcess> _processes = [];

    [Theory]
    [InlineData(20261202)]
    public async Task Run_KilledTwentyTimesAndRestartedOnSameDatabase_CompletesWithUndisturbedFinalModel(int seed)
    {
        var config = TestSpecs.RunConfig(rounds: Rounds, minClients: Nodes, deadlineSeconds: 600);
        var plan = KillPlan(seed);
        Assert.Equal(KillCount, plan.Count);
        Assert.All(Enum.GetValues<KillPoint>(), kind => Assert.Contains(plan, p => p.Kind == kind));

        var (reference, referenceRounds, _) = await RunScriptAsync(config, _ => false);
        var pending = new Queue<ScriptPoint>(plan);
        var (crashed, crashedRounds, run) = await RunScriptAsync(config, point =>
        {
            if (pending.TryPeek(out var next) && next == point)
            {
                pending.Dequeue();
                return true;
            }

            return false;
        });

        output.WriteLine($"kills: {string.Join(", ", run.Kills)}");
        output.WriteLine($"uploads accepted {run.Accepted}, answered duplicate {run.Duplicates}; final model {crashed}");
        Assert.Equal(plan, run.Kills);
        Assert.Equal(reference, crashed);
        Assert.Equal(referenceRounds, crashedRounds);
        Assert.All(crashedRounds, r => Assert.Equal((RoundState.Committed, Nodes), (r.State, r.Updates)));
        Assert.Equal(Rounds, crashedRounds.Count);
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            process.Dispose();
        }
    }

    /// <summary>Runs the script on a fresh coordinator; returns the final model's hash, the rounds as listed, and the run's record.</summary>
    private async Task<(string Hash, List<(long Round, long Base, RoundState State, int Updates, long Result)> Rounds, ScriptedRun Run)> RunScriptAsync(string config, Func<ScriptPoint, bool> kill)
    {
        var coordinator = new CoordinatorProcess();
        _processes.Add(coordinator);
        try
        {
            await coordinator.StartAsync();
            var script = new ScriptedRun(coordinator, TestSpecs.SmallModel, Nodes, kill);
            var runId = await script.RunAsync(config);

            var info = (await coordinator.Operator.ListRunsAsync(new ListRunsRequest(), CoordinatorTestHost.Admin)).Runs.Single(r => r.RunId == runId);
            Assert.Equal((RunState.Completed, (long)Rounds), (info.State, info.ModelVersion));
            var rounds = (await coordinator.Operator.ListRoundsAsync(new RunRequest { RunId = runId }, CoordinatorTestHost.Admin)).Rounds
                .Select(r => (r.Round, r.BaseVersion, r.State, r.Updates, r.ResultVersion)).ToList();
            var hash = await script.HashVersionAsync(runId, Rounds);
            output.WriteLine($"{coordinator.Starts} start(s) taking {coordinator.StartTime.TotalSeconds:F1} s in all, final model {hash}");
            return (hash, rounds, script);
        }
        finally
        {
            coordinator.Dispose();
        }
    }

    /// <summary>
    /// <see cref="KillCount"/> distinct points of the script, at least one of each <see cref="KillPoint"/>, in the order
    /// the script visits them. A kill point recurs when a round is replayed, but each planned kill happens once.
    /// </summary>
    private static List<ScriptPoint> KillPlan(int seed)
    {
        var points = new List<ScriptPoint>();
        for (var k = 0; k < Nodes; k++)
        {
            points.Add(new ScriptPoint(-1, k, KillPoint.BeforeJoin));
            points.Add(new ScriptPoint(-1, k, KillPoint.AfterJoin));
        }

        for (var v = 0; v < Rounds; v++)
        {
            for (var k = 0; k < Nodes; k++)
            {
                points.Add(new ScriptPoint(v, k, KillPoint.BeforeUpdate));
                points.Add(new ScriptPoint(v, k, KillPoint.MidUpload));
            }

            points.Add(new ScriptPoint(v, Nodes - 1, KillPoint.DuringCommit));
        }

        var random = new Random(seed);
        var plan = new HashSet<ScriptPoint>();
        foreach (var kind in Enum.GetValues<KillPoint>())
        {
            var ofKind = points.Where(p => p.Kind == kind).ToList();
            plan.Add(ofKind[random.Next(ofKind.Count)]);
        }

        while (plan.Count < KillCount)
        {
            plan.Add(points[random.Next(points.Count)]);
        }

        return [.. plan.Order()];
    }
}
