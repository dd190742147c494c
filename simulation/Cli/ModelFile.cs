using Federated.Client.Data;
using Federated.Model.Spec;

namespace Federated.Simulation.Cli;

/// <summary>
/// The <c>--model SPEC.json</c> option of every command: the spec read and validated, then checked against what the
/// data provides before any data loads, each failure one <see cref="ArgumentException"/> naming the spec's key.
/// </summary>
internal static class ModelFile
{
    /// <summary>Reads and validates the spec file; <paramref name="l2"/>, when given, replaces its L2.</summary>
    /// <exception cref="ArgumentException">The file is missing or unreadable, or the spec is invalid (the message names the key).</exception>
    public static ModelSpec Load(string file, float? l2)
    {
        ModelSpec spec;
        try
        {
            spec = ModelSpec.Load(file);
        }
        catch (Exception e) when (e is ModelSpecException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--model {file}: {e.Message}");
        }

        return l2 is { } coefficient ? spec with { L2 = coefficient } : spec;
    }

    /// <summary>
    /// Checks that every field, numeric feature and task of <paramref name="spec"/> is one the data provides, and that
    /// no field is a partition key only.
    /// </summary>
    /// <param name="file">The spec's path, for the message.</param>
    /// <param name="spec">The spec.</param>
    /// <param name="data">What the data's examples carry.</param>
    /// <param name="partitionKeys">Fields the data reads only to partition by (never model inputs).</param>
    /// <exception cref="ArgumentException">The first mismatch, naming the spec's key and what the data has.</exception>
    public static void CheckFits(string file, ModelSpec spec, ExampleSchema data, IReadOnlyCollection<string>? partitionKeys = null)
    {
        var inputs = data.Fields.Where(f => partitionKeys?.Contains(f) != true).ToList();
        for (var i = 0; i < spec.Fields.Count; i++)
        {
            var name = spec.Fields[i].Name;
            if (partitionKeys?.Contains(name) == true)
            {
                throw new ArgumentException($"--model {file}: fields[{i}] '{name}' is a partition key of the data (role partition), not a model input");
            }

            if (!inputs.Contains(name, StringComparer.Ordinal))
            {
                throw new ArgumentException($"--model {file}: fields[{i}] '{name}' is not a field of the data (its fields: {string.Join(", ", inputs)})");
            }
        }

        for (var i = 0; i < spec.Numeric.Count; i++)
        {
            if (!data.Numeric.Contains(spec.Numeric[i], StringComparer.Ordinal))
            {
                throw new ArgumentException($"--model {file}: numeric[{i}] '{spec.Numeric[i]}' is not a numeric feature of the data (its numeric features: {(data.Numeric.Count == 0 ? "none" : string.Join(", ", data.Numeric))})");
            }
        }

        for (var i = 0; i < spec.Tasks.Count; i++)
        {
            if (!data.Tasks.Contains(spec.Tasks[i].Name, StringComparer.Ordinal))
            {
                throw new ArgumentException($"--model {file}: tasks[{i}] '{spec.Tasks[i].Name}' has no label in the data (its tasks: {string.Join(", ", data.Tasks)})");
            }
        }
    }
}
