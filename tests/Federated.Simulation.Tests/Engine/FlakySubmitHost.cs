using Federated.Client.Federation;
using Federated.Client.Training;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Simulation.Engine;

namespace Federated.Simulation.Tests.Engine;

/// <summary>
/// An in-memory federation whose first update upload fails with <see cref="CoordinatorUnavailableException"/>, either
/// before reaching the coordinator or after it counted the update (a lost reply), or is refused outright; every upload
/// is recorded.
/// </summary>
public sealed class FlakySubmitHost(InMemoryFederationHost inner, SubmitFailure failure) : IFederationHost
{
    private int _submits;

    public List<(int Client, string UploadId, SubmitResult? Result)> Uploads { get; } = [];

    public string RunId => inner.RunId;

    public string Transport => inner.Transport;

    public ICoordinatorConnection Connection(int client) => new Flaky(this, client, inner.Connection(client), failure);

    public Task OpenAsync(CancellationToken cancellationToken) => inner.OpenAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private sealed class Flaky(FlakySubmitHost host, int client, ICoordinatorConnection connection, SubmitFailure failure) : ICoordinatorConnection
    {
        public Task<FederationJoin> JoinAsync(string? runId, CancellationToken cancellationToken) => connection.JoinAsync(runId, cancellationToken);

        public Task<AssignmentOffer> WaitForAssignmentAsync(string runId, TimeSpan maxWait, CancellationToken cancellationToken) => connection.WaitForAssignmentAsync(runId, maxWait, cancellationToken);

        public Task DownloadModelAsync(string runId, long modelVersion, ParameterSet target, CancellationToken cancellationToken) => connection.DownloadModelAsync(runId, modelVersion, target, cancellationToken);

        public async Task<SubmitResult> SubmitUpdateAsync(string runId, string uploadId, LocalUpdate update, CancellationToken cancellationToken)
        {
            // Uploads are submitted one at a time, in client order.
            var first = ++host._submits == 1;
            if (first && failure is SubmitFailure.Unreachable or SubmitFailure.Refused)
            {
                host.Uploads.Add((client, uploadId, null));
                throw failure == SubmitFailure.Refused
                    ? new UpdateRejectedException("norm-too-large", "the update's norm is above the bound")
                    : new CoordinatorUnavailableException("connection reset");
            }

            var result = await connection.SubmitUpdateAsync(runId, uploadId, update, cancellationToken);
            host.Uploads.Add((client, uploadId, result));
            return first ? throw new CoordinatorUnavailableException("the reply was lost") : result;
        }

        public Task<SubmitResult> SubmitEvaluationAsync(string runId, long modelVersion, IReadOnlyList<TaskMetrics> metrics, CancellationToken cancellationToken) =>
            connection.SubmitEvaluationAsync(runId, modelVersion, metrics, cancellationToken);

        public Task LeaveAsync(string runId, CancellationToken cancellationToken) => connection.LeaveAsync(runId, cancellationToken);
    }
}
