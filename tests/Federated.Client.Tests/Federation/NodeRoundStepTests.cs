using Federated.Client.Federation;
using Federated.Client.Training;
using Federated.Model.Parameters;

namespace Federated.Client.Tests.Federation;

public sealed class NodeRoundStepTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ScriptedConnection _connection = new(SyntheticData.Spec());
    private readonly List<TimeSpan> _delays = [];
    private readonly SyncProgress _progress = new();
    private readonly NodeTrainingSession _session;
    private readonly ParameterSet _global = ParameterSet.Initialize(SyntheticData.Spec(), seed: 1);

    public NodeRoundStepTests()
    {
        var data = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 1, users: 20, items: 16, ratingsPerUser: 10));
        _session = new NodeTrainingSession(data, Path.Combine(_dir.Path, "state"), new NodeTrainingOptions { Seed = 3 });
    }

    public void Dispose()
    {
        _session.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task SubmitAsync_CoordinatorUnavailableTwice_RetriesUnderTheSameUploadIdWithBackoff()
    {
        _connection.SubmitFailures.Enqueue(new CoordinatorUnavailableException("reset"));
        _connection.SubmitFailures.Enqueue(new CoordinatorUnavailableException("reset"));
        var step = await Step();
        var update = step.Train(_session, Assignment(1), _global);

        var submission = await step.SubmitAsync(update);

        Assert.True(submission.Counted);
        Assert.Equal(UploadId.For("n1", "run-1", 1, 0), submission.UploadId);
        Assert.Equal(3, _connection.Uploads.Count);
        Assert.All(_connection.Uploads, u => Assert.Equal(submission.UploadId, u.UploadId));
        Assert.All(_connection.Uploads, u => Assert.Same(update, u.Update));
        Assert.Equal([0.75, 1.5], _delays.Select(d => d.TotalSeconds));
        Assert.Equal(2, _progress.Reports.Count(p => p.Kind == NodeProgressKind.Retrying));
    }

    [Fact]
    public async Task SubmitAsync_Rejected_ReportsTheRefusalAndTheNodeGoesOnWithTheNextRound()
    {
        _connection.SubmitFailures.Enqueue(new UpdateRejectedException("stale-round", "round 1 is closed"));
        var step = await Step();

        var refused = await step.TrainAndSubmitAsync(_session, Assignment(1), _global);
        var next = await step.TrainAndSubmitAsync(_session, Assignment(2), _global);

        Assert.False(refused.Counted);
        Assert.Equal("stale-round", refused.Rejection?.Reason);
        Assert.Contains(_progress.Reports, p => p is { Kind: NodeProgressKind.Rejected, Round: 1 } && p.Message.Contains("stale-round", StringComparison.Ordinal));
        Assert.True(next.Counted);
        Assert.Null(next.Rejection);
        Assert.NotEqual(refused.UploadId, next.UploadId);
        Assert.Equal(2, _session.LastRound);
        Assert.Equal([NodeProgressKind.Trained, NodeProgressKind.Rejected, NodeProgressKind.Trained, NodeProgressKind.Submitted], _progress.Reports.Select(p => p.Kind));
    }

    [Fact]
    public async Task SubmitAsync_RetriesSpent_ThrowsUnavailable()
    {
        for (var i = 0; i < 3; i++)
        {
            _connection.SubmitFailures.Enqueue(new CoordinatorUnavailableException("down"));
        }

        var step = await Step(maxRetries: 2);
        var update = step.Train(_session, Assignment(1), _global);

        await Assert.ThrowsAsync<CoordinatorUnavailableException>(() => step.SubmitAsync(update));
        Assert.Equal(3, _connection.Uploads.Count);
    }

    [Fact]
    public async Task SubmitAsync_StoppedWhileWaitingToRetry_Cancels()
    {
        _connection.SubmitFailures.Enqueue(new CoordinatorUnavailableException("down"));
        var step = await Step();
        var update = step.Train(_session, Assignment(1), _global);
        using var stop = new CancellationTokenSource();
        stop.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => step.SubmitAsync(update, stop.Token));
        Assert.Single(_connection.Uploads);
    }

    [Fact]
    public async Task RunAsync_OtherFailure_NotRetried()
    {
        var retry = new CoordinatorRetry(new RetryOptions { Delay = (_, _) => Task.CompletedTask });
        var calls = 0;

        await Assert.ThrowsAsync<InvalidOperationException>(() => retry.RunAsync<int>("call", _ =>
        {
            calls++;
            throw new InvalidOperationException("a bug");
        }, CancellationToken.None, CancellationToken.None));
        Assert.Equal(1, calls);
    }

    private async Task<NodeRoundStep> Step(int maxRetries = 0)
    {
        var retry = new CoordinatorRetry(
            new RetryOptions
            {
                MaxRetries = maxRetries,
                Delay = (delay, ct) =>
                {
                    _delays.Add(delay);
                    ct.ThrowIfCancellationRequested();
                    return Task.CompletedTask;
                },
                Jitter = () => 0.5,
            },
            progress: _progress);
        var join = await _connection.JoinAsync(null, CancellationToken.None);
        return new NodeRoundStep(_connection, join, retry, progress: _progress);
    }

    private static TrainingAssignment Assignment(long round) => ScriptedConnection.Assigned(round, 0).Assignment!;
}
