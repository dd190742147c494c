using Federated.Model.Parameters;

namespace Federated.Coordinator.Bulk;

/// <summary>One tensor of a bulk upload, checked against the run's layout: which of its values follow on the connection.</summary>
/// <param name="Tensor">The shared tensor.</param>
/// <param name="Rows">Row-sparse: the rows sent (ascending, distinct, in range); null: dense.</param>
internal sealed record BulkTensorPlan(TensorInfo Tensor, int[]? Rows)
{
    /// <summary>The floats that follow for this tensor: all of a dense one, rows × columns of a sparse one.</summary>
    public int Values => Rows is null ? Tensor.Length : checked(Rows.Length * Tensor.Columns);
}
