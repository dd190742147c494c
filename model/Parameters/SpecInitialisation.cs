using Federated.Model.Spec;

namespace Federated.Model.Parameters;

/// <summary>
/// The parts of initialisation that depend on the spec rather than on a tensor's kind: per-row bias columns start at
/// zero, and output biases at <see cref="TaskSpec.OutputBias"/>. Applied after the seeded draws, so the random stream
/// (and every spec without these options) is unchanged.
/// </summary>
internal static class SpecInitialisation
{
    public static void Apply(ModelSpec spec, ParameterSet set)
    {
        foreach (var field in spec.Fields)
        {
            if (field.Columns == field.Dim)
            {
                continue;
            }

            // Biases start at zero, as in biased MF; the draw above gave them embedding noise, discarded here.
            var table = set[TensorNames.Embedding(field.Name)];
            for (var row = 0; row < field.Rows; row++)
            {
                table.Slice((row * field.Columns) + field.Dim, field.Columns - field.Dim).Clear();
            }
        }

        foreach (var task in spec.Tasks)
        {
            if (task.OutputBias != 0)
            {
                set[TensorNames.Bias(TensorNames.TowerOutput(task.Name))][0] = task.OutputBias;
            }
        }
    }
}
