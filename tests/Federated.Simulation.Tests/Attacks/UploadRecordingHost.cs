using Federated.Client.Federation;
using Federated.Client.Training;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Updates;
using Federated.Simulation.Engine;

namespace Federated.Simulation.Tests.Attacks;

/// <summary>An in-memory federation that keeps a copy of every uploaded update, by (client, round), with its transforms.</summary>
public sealed class UploadRecordingHost(InMemoryFederationHost inner) : IFederationHost
{
    private readonly Lock _gate = new();

    public Dictionary<(int Client, long Round), (ModelDelta Delta, IReadOnlyList<string> Transforms)> Uploads { get; } = [];

    public string RunId => inner.RunId;

    public string Transport => inner.Transport;

    public ICoordinatorConnection Connection(int client) => new Recording(this, client, inner.Connection(client));

    public Task OpenAsync(CancellationToken cancellationToken) => inner.OpenAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private sealed class Recording(UploadRecordingHost host, int client, ICoordinatorConnection connection) : ICoordinatorConnection
    {
        public Task<FederationJoin> JoinAsync(string? runId, CancellationToken cancellationToken) => connection.JoinAsync(runId, cancellationToken);

        public Task<AssignmentOffer> WaitForAssignmentAsync(string runId, TimeSpan maxWait, CancellationToken cancellationToken) => connection.WaitForAssignmentAsync(runId, maxWait, cancellationToken);

        public Task DownloadModelAsync(string runId, long modelVersion, ParameterSet target, CancellationToken cancellationToken) => connection.DownloadModelAsync(runId, modelVersion, target, cancellationToken);

        public Task<SubmitResult> SubmitUpdateAsync(string runId, string uploadId, LocalUpdate update, CancellationToken cancellationToken)
        {
            var copy = new ModelDelta([.. update.Delta.Tensors.Select(t => new TensorDelta(t.Name, [.. t.Values], t.Rows is null ? null : [.. t.Rows]))]);
            lock (host._gate)
            {
                host.Uploads[(client, update.Round)] = (copy, update.Transforms);
            }

            return connection.SubmitUpdateAsync(runId, uploadId, update, cancellationToken);
        }

        public Task<SubmitResult> SubmitEvaluationAsync(string runId, long modelVersion, IReadOnlyList<TaskMetrics> metrics, CancellationToken cancellationToken) =>
            connection.SubmitEvaluationAsync(runId, modelVersion, metrics, cancellationToken);

        public Task LeaveAsync(string runId, CancellationToken cancellationToken) => connection.LeaveAsync(runId, cancellationToken);
    }
}
