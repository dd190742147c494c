using System.Numerics.Tensors;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;

namespace Federated.Model.Updates;

/// <summary>
/// Δ = θ_after − θ_base over the tensors of one scope (normally the shared ones): what a node sends after local
/// training and what the coordinator averages. Embedding tables may be row-sparse: only rows that training touched
/// can have changed, so only they are sent.
/// </summary>
public sealed class ModelDelta
{
    /// <summary>Wraps the given tensor deltas (not copied).</summary>
    public ModelDelta(IReadOnlyList<TensorDelta> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        Tensors = tensors;
    }

    /// <summary>The tensor deltas.</summary>
    public IReadOnlyList<TensorDelta> Tensors { get; }

    /// <summary>Total number of floats carried.</summary>
    public long ValueCount
    {
        get
        {
            long count = 0;
            foreach (var tensor in Tensors)
            {
                count += tensor.Values.Length;
            }

            return count;
        }
    }

    /// <summary>
    /// Computes Δ = after − base for every tensor of <paramref name="scope"/>. With <paramref name="touchedRows"/>, an
    /// embedding table whose field has a row set there is sent row-sparse (only those rows); other tensors are dense.
    /// </summary>
    /// <param name="baseline">θ_base, e.g. the global model a round started from.</param>
    /// <param name="after">θ_after, the locally trained parameters; same layout.</param>
    /// <param name="scope">Which tensors to include.</param>
    /// <param name="touchedRows">Optional: embedding tensor name → rows that may have changed.</param>
    public static ModelDelta Compute(ParameterSet baseline, ParameterSet after, ParameterScope scope = ParameterScope.Shared, IReadOnlyDictionary<string, RowSet>? touchedRows = null)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(after);
        if (baseline.Layout.Fingerprint != after.Layout.Fingerprint)
        {
            throw new ArgumentException("the two parameter sets have different layouts", nameof(after));
        }

        var tensors = new List<TensorDelta>();
        foreach (var tensor in baseline.Layout.InScope(scope))
        {
            if (tensor.Kind == TensorKind.Embedding && touchedRows is not null && touchedRows.TryGetValue(tensor.Name, out var rows))
            {
                var ids = rows.ToArray();
                var values = new float[ids.Length * tensor.Columns];
                for (var s = 0; s < ids.Length; s++)
                {
                    var start = tensor.Offset + (ids[s] * tensor.Columns);
                    TensorPrimitives.Subtract(
                        after.Values.AsSpan(start, tensor.Columns),
                        baseline.Values.AsSpan(start, tensor.Columns),
                        values.AsSpan(s * tensor.Columns, tensor.Columns));
                }

                tensors.Add(new TensorDelta(tensor.Name, values, ids));
                continue;
            }

            var dense = new float[tensor.Length];
            TensorPrimitives.Subtract(after[tensor], baseline[tensor], dense);
            tensors.Add(new TensorDelta(tensor.Name, dense));
        }

        return new ModelDelta(tensors);
    }

    /// <summary>‖Δ‖₂ over every value carried, accumulated in double.</summary>
    public double L2Norm()
    {
        double sum = 0;
        foreach (var tensor in Tensors)
        {
            var norm = (double)TensorPrimitives.Norm(tensor.Values);
            sum += norm * norm;
        }

        return Math.Sqrt(sum);
    }

    /// <summary>
    /// Scales Δ in place so that ‖Δ‖₂ ≤ <paramref name="bound"/> (DP-SGD style clipping by the global norm) and returns
    /// the factor applied (1 when the norm was already within the bound).
    /// </summary>
    public double ClipTo(double bound)
    {
        if (!double.IsFinite(bound) || bound <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bound), bound, "the clip bound must be finite and > 0");
        }

        var norm = L2Norm();
        if (norm <= bound)
        {
            return 1;
        }

        // A hair under the bound, so that float rounding cannot push the clipped norm above it.
        var factor = (float)(bound / norm * (1 - 1e-6));
        foreach (var tensor in Tensors)
        {
            TensorPrimitives.Multiply(tensor.Values, factor, tensor.Values);
        }

        return factor;
    }

    /// <summary>θ += <paramref name="scale"/>·Δ on <paramref name="target"/>; the delta must be valid for its layout.</summary>
    public void ApplyTo(ParameterSet target, float scale = 1f)
    {
        ArgumentNullException.ThrowIfNull(target);
        foreach (var delta in Tensors)
        {
            var tensor = target.Layout[delta.Name];
            if (delta.Rows is null)
            {
                var values = target[tensor];
                TensorPrimitives.MultiplyAdd(delta.Values, scale, values, values);
                continue;
            }

            for (var s = 0; s < delta.Rows.Length; s++)
            {
                var row = target.Values.AsSpan(tensor.Offset + (delta.Rows[s] * tensor.Columns), tensor.Columns);
                TensorPrimitives.MultiplyAdd(delta.Values.AsSpan(s * tensor.Columns, tensor.Columns), scale, row, row);
            }
        }
    }

    /// <summary>
    /// Checks that this delta carries exactly the tensors of <paramref name="scope"/> in <paramref name="layout"/>, each
    /// with the right number of values; that sparse deltas name embedding tables with ascending, distinct, in-range
    /// rows; that every value is finite; and, with <paramref name="clipBound"/>, that ‖Δ‖₂ ≤ bound·(1 + 1e-4).
    /// </summary>
    /// <exception cref="DeltaValidationException">The first problem found; the message names the tensor.</exception>
    public void Validate(ParameterLayout layout, ParameterScope scope = ParameterScope.Shared, double? clipBound = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var delta in Tensors)
        {
            if (delta is null || delta.Name is null || delta.Values is null)
            {
                throw new DeltaValidationException(DeltaValidationError.WrongShape, "a tensor delta has no name or no values");
            }

            if (!layout.TryGet(delta.Name, out var tensor))
            {
                throw new DeltaValidationException(DeltaValidationError.UnexpectedTensor, $"tensor '{delta.Name}' is not part of the model");
            }

            if (tensor.Scope != scope)
            {
                throw new DeltaValidationException(DeltaValidationError.UnexpectedTensor, $"tensor '{delta.Name}' is {tensor.Scope.ToString().ToLowerInvariant()}, not {scope.ToString().ToLowerInvariant()}: it must not be sent");
            }

            if (!seen.Add(delta.Name))
            {
                throw new DeltaValidationException(DeltaValidationError.UnexpectedTensor, $"tensor '{delta.Name}' appears twice");
            }

            if (delta.Rows is null)
            {
                if (delta.Values.Length != tensor.Length)
                {
                    throw new DeltaValidationException(DeltaValidationError.WrongShape, $"tensor '{delta.Name}' needs {tensor.Length} values ({string.Join('x', tensor.Shape)}), not {delta.Values.Length}");
                }
            }
            else
            {
                if (tensor.Kind != TensorKind.Embedding)
                {
                    throw new DeltaValidationException(DeltaValidationError.WrongShape, $"tensor '{delta.Name}' is not an embedding table, so it cannot be sent row-sparse");
                }

                if (delta.Values.Length != (long)delta.Rows.Length * tensor.Columns)
                {
                    throw new DeltaValidationException(DeltaValidationError.WrongShape, $"tensor '{delta.Name}' sends {delta.Rows.Length} rows of {tensor.Columns}, so needs {delta.Rows.Length * tensor.Columns} values, not {delta.Values.Length}");
                }

                var previous = -1;
                foreach (var row in delta.Rows)
                {
                    if (row < 0 || row >= tensor.Rows || row <= previous)
                    {
                        throw new DeltaValidationException(DeltaValidationError.RowOutOfRange, row <= previous && row >= 0 && row < tensor.Rows
                            ? $"tensor '{delta.Name}': row ids must be ascending and distinct, but {row} follows {previous}"
                            : $"tensor '{delta.Name}': row {row} is outside [0, {tensor.Rows})");
                    }

                    previous = row;
                }
            }

            if (ContainsNonFinite(delta.Values))
            {
                throw new DeltaValidationException(DeltaValidationError.NonFinite, $"tensor '{delta.Name}' holds a NaN or infinite value");
            }
        }

        foreach (var tensor in layout.InScope(scope))
        {
            if (!seen.Contains(tensor.Name))
            {
                throw new DeltaValidationException(DeltaValidationError.MissingTensor, $"tensor '{tensor.Name}' is missing");
            }
        }

        if (clipBound is { } bound)
        {
            var norm = L2Norm();
            if (norm > bound * (1 + 1e-4))
            {
                throw new DeltaValidationException(DeltaValidationError.NormTooLarge, $"the update's L2 norm {norm:G6} exceeds the clip bound {bound:G6}");
            }
        }
    }

    private static bool ContainsNonFinite(ReadOnlySpan<float> values)
    {
        foreach (var value in values)
        {
            if (!float.IsFinite(value))
            {
                return true;
            }
        }

        return false;
    }
}
