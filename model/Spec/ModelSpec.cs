using System.Text.Json;
using System.Text.Json.Serialization;

namespace Federated.Model.Spec;

/// <summary>
/// The declaration of a multi-task model: categorical fields, numeric features, trunk, tasks and regularisation.
/// Loaded from JSON (camelCase keys, kebab-case enum values) and validated by <see cref="Validate"/>.
/// </summary>
/// <remarks>
/// The input is x = concat(pooled field embeddings in field order, numeric features[, e_a ⊙ e_b of a product
/// interaction]), of width <see cref="InputWidth"/>. A task's output is its tower's output plus, when the spec asks,
/// the per-row biases of fields (<see cref="FieldSpec.BiasTasks"/>) and a dot interaction (<see cref="Interaction"/>). The loss is L = Σ_t w_t · (mean over labelled examples of loss_t), plus
/// ½·<see cref="L2"/>·‖W‖² over dense weight matrices and the embedding rows of the batch.
/// </remarks>
public sealed record ModelSpec
{
    /// <summary>Categorical inputs, at least one.</summary>
    public IReadOnlyList<FieldSpec> Fields { get; init; } = [];

    /// <summary>Names of the numeric features, in input order (standardised by the data source).</summary>
    public IReadOnlyList<string> Numeric { get; init; } = [];

    /// <summary>The trunk.</summary>
    public TrunkSpec Trunk { get; init; } = new();

    /// <summary>The tasks, at least one.</summary>
    public IReadOnlyList<TaskSpec> Tasks { get; init; } = [];

    /// <summary>Optional ESMM link between two binary tasks.</summary>
    public EsmmSpec? Esmm { get; init; }

    /// <summary>L2 coefficient λ ≥ 0 on dense weights and on embedding rows used in a batch. Default 0.</summary>
    public float L2 { get; init; }

    /// <summary>Dropout rate in [0, 1) after each hidden ReLU of experts, bottom and towers, in training only. Default 0.</summary>
    public float Dropout { get; init; }

    /// <summary>
    /// Learned uncertainty weighting (Kendall et al. 2018): the loss becomes Σ_t (exp(−s_t)·w_t·L_t + s_t) with a
    /// learned, node-local s_t per task.
    /// </summary>
    public bool UncertaintyWeighting { get; init; }

    /// <summary>
    /// Optional factorisation interaction between two fields' embeddings (dot product added to task outputs, or
    /// element-wise product appended to x). Null (default): none.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public InteractionSpec? Interaction { get; init; }

    /// <summary>
    /// Which token hash maps string tokens of hashed fields to buckets: 1 = FNV-1a 64 (every spec written before the key
    /// existed), 2 = FNV-1a 64 followed by a 64-bit finaliser that mixes its low bits. Null (absent) means 1, so old specs
    /// keep their ids bit for bit.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? HashVersion { get; init; }

    /// <summary>The token hash version in effect: <see cref="HashVersion"/>, or 1 when it is absent.</summary>
    public int EffectiveHashVersion => HashVersion ?? 1;

    /// <summary>
    /// Width of the input x: the sum of the field dimensions plus the numeric feature count, plus the first
    /// interaction field's dimension for a <see cref="InteractionKind.Product"/> interaction (appended last).
    /// </summary>
    public int InputWidth
    {
        get
        {
            var width = Numeric.Count;
            foreach (var categorical in Fields)
            {
                width += categorical.Dim;
            }

            if (Interaction is { Kind: InteractionKind.Product, Fields.Count: > 0 } product && FieldIndex(product.Fields[0]) is var f and >= 0)
            {
                width += Fields[f].Dim;
            }

            return width;
        }
    }

    /// <summary>Index of the task with this name, or −1.</summary>
    public int TaskIndex(string name)
    {
        for (var i = 0; i < Tasks.Count; i++)
        {
            if (string.Equals(Tasks[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Index of the field with this name, or −1.</summary>
    public int FieldIndex(string name)
    {
        for (var i = 0; i < Fields.Count; i++)
        {
            if (string.Equals(Fields[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Parses and validates a spec.</summary>
    /// <exception cref="ModelSpecException">The JSON is malformed, has an unknown key, or a value is invalid; the message names the key.</exception>
    public static ModelSpec FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        ModelSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<ModelSpec>(json, ModelSpecJson.Options);
        }
        catch (JsonException e)
        {
            // "$.tasks[0].kind" → "tasks[0].kind", the form the validator's keys have.
            var path = e.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : e.Path ?? "$";
            throw new ModelSpecException(path, DescribeJsonError(e), e);
        }

        if (spec is null)
        {
            throw new ModelSpecException("$", "the model spec is empty (null)");
        }

        spec.Validate();
        return spec;
    }

    /// <summary>Reads, parses and validates a spec file.</summary>
    public static ModelSpec Load(string path) => FromJson(File.ReadAllText(path));

    /// <summary>Serialises this spec to indented JSON that <see cref="FromJson"/> reads back.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ModelSpecJson.Options);

    /// <summary>Checks every invariant stated on the spec's types.</summary>
    /// <exception cref="ModelSpecException">The first violation, naming its JSON path.</exception>
    public void Validate() => ModelSpecValidator.Validate(this);

    private static string DescribeJsonError(JsonException e)
    {
        // System.Text.Json names the unmapped member in its message; keep the first sentence, drop the type names.
        var message = e.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
