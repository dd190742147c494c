using Federated.Client.Federation;
using Federated.Client.Training;
using Federated.Model.Metrics;
using Federated.Model.Parameters;

namespace Federated.Client.Tests.Federation;

/// <summary>Passes calls through, but after the first upload has reached the coordinator reports the connection as broken, as a lost reply would.</summary>
public sealed class LosingFirstReplyConnection(ICoordinatorConnection inner) : ICoordinatorConnection
{
    public List<string> UploadIds { get; } = [];

    public List<SubmitResult> Results { get; } = [];

    public Task<FederationJoin> JoinAsync(string? runId, CancellationToken cancellationToken) => inner.JoinAsync(runId, cancellationToken);

    public Task<AssignmentOffer> WaitForAssignmentAsync(string runId, TimeSpan maxWait, CancellationToken cancellationToken) => inner.WaitForAssignmentAsync(runId, maxWait, cancellationToken);

    public Task DownloadModelAsync(string runId, long modelVersion, ParameterSet target, CancellationToken cancellationToken) => inner.DownloadModelAsync(runId, modelVersion, target, cancellationToken);

    public async Task<SubmitResult> SubmitUpdateAsync(string runId, string uploadId, LocalUpdate update, CancellationToken cancellationToken)
    {
        UploadIds.Add(uploadId);
        var result = await inner.SubmitUpdateAsync(runId, uploadId, update, cancellationToken);
        Results.Add(result);
        if (UploadIds.Count == 1)
        {
            throw new CoordinatorUnavailableException("the reply was lost");
        }

        return result;
    }

    public Task<SubmitResult> SubmitEvaluationAsync(string runId, long modelVersion, IReadOnlyList<TaskMetrics> metrics, CancellationToken cancellationToken) => inner.SubmitEvaluationAsync(runId, modelVersion, metrics, cancellationToken);

    public Task LeaveAsync(string runId, CancellationToken cancellationToken) => inner.LeaveAsync(runId, cancellationToken);
}
