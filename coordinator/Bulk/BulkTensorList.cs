using Federated.Coordinator.Grpc;
using Federated.Coordinator.Rounds;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Protos.V1;
using Grpc.Core;
using Google.Protobuf.Collections;

namespace Federated.Coordinator.Bulk;

/// <summary>
/// Checks a bulk upload's tensor list against the run's layout before a ticket is issued, as the chunks of a
/// <c>SubmitUpdate</c> are checked: every shared tensor exactly once, sparse only for embedding tables, rows ascending,
/// distinct and in range, and the values (plus 4 bytes per row id) within the upload byte limit.
/// </summary>
internal static class BulkTensorList
{
    /// <summary>The plans, in the list's order.</summary>
    /// <param name="tensors">The request's list.</param>
    /// <param name="layout">The run's layout.</param>
    /// <param name="maxBytes">The upload byte limit (<see cref="UploadBudget.MaxBytes"/>).</param>
    /// <exception cref="RejectionException">A tensor unknown, local, repeated, missing, of the wrong form, or a row out of range.</exception>
    /// <exception cref="RpcException">ResourceExhausted: more bytes than <paramref name="maxBytes"/>.</exception>
    public static List<BulkTensorPlan> Read(RepeatedField<BulkTensor> tensors, ParameterLayout layout, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(layout);
        var plans = new List<BulkTensorPlan>(tensors.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long bytes = 0;
        foreach (var entry in tensors)
        {
            if (!layout.TryGet(entry.Name, out var tensor) || tensor.Scope != ParameterScope.Shared)
            {
                throw Reject(Rejection.UnexpectedTensor, $"tensor '{entry.Name}' is not a shared tensor of the model");
            }

            if (!seen.Add(entry.Name))
            {
                throw Reject(Rejection.UnexpectedTensor, $"tensor '{entry.Name}' is listed twice");
            }

            var plan = new BulkTensorPlan(tensor, entry.Sparse ? Rows(entry, tensor) : null);
            if (!entry.Sparse && entry.RowIds.Count > 0)
            {
                throw Reject(Rejection.MalformedUpload, $"tensor '{entry.Name}' is dense but lists row ids");
            }

            bytes += (4L * plan.Values) + (4L * entry.RowIds.Count);
            if (bytes > maxBytes)
            {
                throw RejectionStatus.Create(StatusCode.ResourceExhausted, RejectionStatus.TooLarge, $"an upload may carry at most {maxBytes} bytes of values and row ids");
            }

            plans.Add(plan);
        }

        foreach (var tensor in layout.Tensors)
        {
            if (tensor.Scope == ParameterScope.Shared && !seen.Contains(tensor.Name))
            {
                throw Reject(Rejection.MissingTensor, $"shared tensor '{tensor.Name}' is not listed");
            }
        }

        return plans;
    }

    private static int[] Rows(BulkTensor entry, TensorInfo tensor)
    {
        if (tensor.Kind != TensorKind.Embedding)
        {
            throw Reject(Rejection.WrongShape, $"tensor '{entry.Name}' is not an embedding table, so it cannot be sent row-sparse");
        }

        var rows = entry.RowIds.ToArray();
        for (var i = 0; i < rows.Length; i++)
        {
            if (rows[i] < 0 || rows[i] >= tensor.Rows || (i > 0 && rows[i] <= rows[i - 1]))
            {
                throw Reject(Rejection.RowOutOfRange, $"tensor '{entry.Name}': row ids must be ascending, distinct and in [0, {tensor.Rows}); row id {i} is {rows[i]}");
            }
        }

        return rows;
    }

    private static RejectionException Reject(Rejection reason, string message) => new(reason, message);
}
