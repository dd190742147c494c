using Federated.Client.Federation;
using Federated.Client.Training;
using Federated.Model.Parameters;

namespace Federated.Client.Tests.Federation;

/// <summary>
/// Every call of a node to a coordinator that dies under it — before the answer or in the middle of a streamed one —
/// fails as <see cref="CoordinatorUnavailableException"/> (which the node retries), never as a cancellation the node
/// would take for Ctrl-C; only the caller's own token makes an <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class TransportFailureTests
{
    [Theory]
    [MemberData(nameof(FaultingHandler.Kinds), MemberType = typeof(FaultingHandler))]
    public async Task EveryCall_TransportFailsBeforeTheAnswer_CoordinatorUnavailable(string kind)
    {
        await using var joined = await JoinedAsync();
        joined.Handler.FailBeforeAnswer = () => FaultingHandler.Make(kind);

        foreach (var (name, call) in joined.Calls())
        {
            var error = await Assert.ThrowsAsync<CoordinatorUnavailableException>(call);
            Assert.Contains(name, error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(FaultingHandler.Kinds), MemberType = typeof(FaultingHandler))]
    public async Task EveryCall_AnswerBreaksMidStream_CoordinatorUnavailable(string kind)
    {
        await using var joined = await JoinedAsync();
        joined.Handler.BreakBody = () => FaultingHandler.Make(kind);

        foreach (var (name, call) in joined.Calls())
        {
            var error = await Assert.ThrowsAsync<CoordinatorUnavailableException>(call);
            Assert.Contains(name, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task WaitForAssignmentAsync_CallersTokenCancelled_OperationCanceledNotUnavailable()
    {
        await using var joined = await JoinedAsync();
        using var stop = new CancellationTokenSource();
        joined.Handler.FailBeforeAnswer = () =>
        {
            // The stop arrives while the transport fails: the node must see its own stop.
            stop.Cancel();
            return FaultingHandler.Make("io");
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => joined.Connection.WaitForAssignmentAsync(joined.RunId, TimeSpan.FromSeconds(5), stop.Token));
    }

    private static async Task<Joined> JoinedAsync()
    {
        var scenario = new FederationScenario(nodes: 1);
        var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory);
        var run = coordinator.StartRun(FederationScenario.RunConfig(minClients: 1));
        var handler = new FaultingHandler();
        var connection = new GrpcCoordinatorConnection(coordinator.Address, coordinator.IssueToken("n1"), new GrpcConnectionOptions { HttpHandler = handler });
        var join = await connection.JoinAsync(run.RunId, CancellationToken.None);
        var global = new ParameterSet(join.Model.Layout);
        await connection.DownloadModelAsync(run.RunId, 0, global, CancellationToken.None);
        var offer = await connection.WaitForAssignmentAsync(run.RunId, TimeSpan.FromSeconds(5), CancellationToken.None);
        var session = new NodeTrainingSession(scenario.LoadData(0)(join.Model), scenario.StateDirectories[0]);
        var update = session.Train(offer.Assignment!, global);
        var metrics = session.Evaluate(DataPart.Validation);
        return new Joined(scenario, coordinator, session, handler, connection, run.RunId, global, update, metrics);
    }

    private sealed record Joined(
        FederationScenario Scenario,
        LoopbackCoordinator Coordinator,
        NodeTrainingSession Session,
        FaultingHandler Handler,
        GrpcCoordinatorConnection Connection,
        string RunId,
        ParameterSet Global,
        LocalUpdate Update,
        IReadOnlyList<Model.Metrics.TaskMetrics> Metrics) : IAsyncDisposable
    {
        public IEnumerable<(string Name, Func<Task> Call)> Calls() =>
        [
            ("join", () => Connection.JoinAsync(RunId, CancellationToken.None)),
            ("wait for an assignment", () => Connection.WaitForAssignmentAsync(RunId, TimeSpan.FromSeconds(5), CancellationToken.None)),
            ("download version 0", () => Connection.DownloadModelAsync(RunId, 0, Global, CancellationToken.None)),
            ("upload round 1", () => Connection.SubmitUpdateAsync(RunId, "u-1", Update, CancellationToken.None)),
            ("evaluation of version 0", () => Connection.SubmitEvaluationAsync(RunId, 0, Metrics, CancellationToken.None)),
            ("leave", () => Connection.LeaveAsync(RunId, LeaveReason.RunEnded, null, CancellationToken.None)),
        ];

        public async ValueTask DisposeAsync()
        {
            Connection.Dispose();
            Session.Dispose();
            await Coordinator.DisposeAsync();
            Scenario.Dispose();
        }
    }
}
