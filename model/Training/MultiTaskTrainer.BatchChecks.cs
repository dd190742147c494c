using Federated.Model.Spec;

namespace Federated.Model.Training;

/// <summary>The trainer's checks that a batch fits its model, and the sizes it derives from the spec.</summary>
public sealed partial class MultiTaskTrainer
{
    private void RequireBatch(Batch batch)
    {
        if (!ReferenceEquals(batch.Spec, _acceptedSpec))
        {
            // Specs loaded separately are different objects; what matters is that the batch has the same columns.
            if (!HasSameColumns(batch.Spec, _spec))
            {
                throw new ArgumentException("the batch was built for a model spec with other fields, features or tasks", nameof(batch));
            }

            _acceptedSpec = batch.Spec;
        }

        if (batch.Count > Options.MaxBatchSize)
        {
            throw new ArgumentException($"the batch holds {batch.Count} examples, more than MaxBatchSize {Options.MaxBatchSize}", nameof(batch));
        }
    }

    private static bool HasSameColumns(ModelSpec a, ModelSpec b)
    {
        if (a.Fields.Count != b.Fields.Count || a.Numeric.Count != b.Numeric.Count || a.Tasks.Count != b.Tasks.Count)
        {
            return false;
        }

        for (var f = 0; f < a.Fields.Count; f++)
        {
            var x = a.Fields[f];
            var y = b.Fields[f];
            if (x.Name != y.Name || x.Rows != y.Rows || x.MultiValued != y.MultiValued)
            {
                return false;
            }
        }

        for (var t = 0; t < a.Tasks.Count; t++)
        {
            if (a.Tasks[t].Name != b.Tasks[t].Name)
            {
                return false;
            }
        }

        return true;
    }

    private static int MaxDim(ModelSpec spec)
    {
        var max = 0;
        foreach (var field in spec.Fields)
        {
            max = Math.Max(max, field.Columns);
        }

        return max;
    }
}
