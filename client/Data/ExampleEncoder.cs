using System.Globalization;
using Federated.Model.Spec;
using Federated.Model.Training;

namespace Federated.Client.Data;

/// <summary>
/// Maps a source's examples onto a model: fields, numeric features and tasks matched by name, tokens
/// encoded to embedding rows (hashed with <see cref="TokenHasher"/>, or checked against the vocabulary).
/// </summary>
public sealed class ExampleEncoder
{
    private readonly int[] _sourceField;
    private readonly int[] _sourceNumeric;
    private readonly int[] _sourceTask;

    /// <summary>Matches a source's schema to a model.</summary>
    /// <param name="spec">The model.</param>
    /// <param name="schema">The source's schema.</param>
    /// <exception cref="DataFormatException">The data lacks a field or numeric feature of the model (named in the message).</exception>
    public ExampleEncoder(ModelSpec spec, ExampleSchema schema)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(schema);
        Spec = spec;
        Schema = schema;
        _sourceField = new int[spec.Fields.Count];
        for (var f = 0; f < spec.Fields.Count; f++)
        {
            var name = spec.Fields[f].Name;
            _sourceField[f] = IndexOf(schema.Fields, name);
            if (_sourceField[f] < 0)
            {
                throw new DataFormatException($"the model's field '{name}' is not provided by the data (its fields: {string.Join(", ", schema.Fields)})", name);
            }
        }

        _sourceNumeric = new int[spec.Numeric.Count];
        for (var n = 0; n < spec.Numeric.Count; n++)
        {
            _sourceNumeric[n] = IndexOf(schema.Numeric, spec.Numeric[n]);
            if (_sourceNumeric[n] < 0)
            {
                throw new DataFormatException($"the model's numeric feature '{spec.Numeric[n]}' is not provided by the data (its numeric features: {string.Join(", ", schema.Numeric)})", spec.Numeric[n]);
            }
        }

        // A task the data has no label for is allowed: all its labels are missing, so its loss is masked.
        _sourceTask = [.. spec.Tasks.Select(t => IndexOf(schema.Tasks, t.Name))];
    }

    /// <summary>The model.</summary>
    public ModelSpec Spec { get; }

    /// <summary>The source's schema.</summary>
    public ExampleSchema Schema { get; }

    /// <summary>Encodes one token of a field to its embedding row with hash version 1.</summary>
    /// <param name="field">The field.</param>
    /// <param name="token">The token; for a vocabulary field, a decimal integer id.</param>
    /// <returns>The row.</returns>
    /// <exception cref="DataFormatException">A vocabulary token is not an integer or lies outside [0, vocabulary).</exception>
    public static int EncodeToken(FieldSpec field, string token) => EncodeToken(field, token, 1);

    /// <summary>Encodes one token of a field to its embedding row.</summary>
    /// <param name="field">The field.</param>
    /// <param name="token">The token; for a vocabulary field, a decimal integer id.</param>
    /// <param name="hashVersion">The spec's <see cref="ModelSpec.EffectiveHashVersion"/>, for hashed fields.</param>
    /// <returns>The row.</returns>
    /// <exception cref="DataFormatException">A vocabulary token is not an integer or lies outside [0, vocabulary).</exception>
    public static int EncodeToken(FieldSpec field, string token, int hashVersion)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(token);
        if (field.Buckets is { } buckets)
        {
            return TokenHasher.Bucket(field.Name, token, buckets, hashVersion);
        }

        if (!int.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
        {
            throw new DataFormatException($"field '{field.Name}': '{token}' is not an integer id, but the field has a vocabulary (use 'buckets' for string tokens)", field.Name);
        }

        if (id < 0 || id >= field.Vocabulary!.Value)
        {
            throw new DataFormatException($"field '{field.Name}': id {id} is outside its vocabulary [0, {field.Vocabulary})", field.Name);
        }

        return id;
    }

    /// <summary>Encodes the tokens of an example, per model field.</summary>
    /// <param name="example">The example.</param>
    /// <param name="ids">Receives one array of rows per model field.</param>
    /// <param name="error">Why the example cannot be encoded, when it cannot.</param>
    /// <returns>Whether it could be encoded.</returns>
    public bool TryEncode(Example example, int[][] ids, out string? error)
    {
        ArgumentNullException.ThrowIfNull(example);
        ArgumentNullException.ThrowIfNull(ids);
        try
        {
            for (var f = 0; f < _sourceField.Length; f++)
            {
                var field = Spec.Fields[f];
                var tokens = example.Tokens[_sourceField[f]];
                if (!field.MultiValued && tokens.Length != 1)
                {
                    error = $"field '{field.Name}' is single-valued but the row has {tokens.Length} tokens";
                    return false;
                }

                var rows = new int[tokens.Length];
                for (var k = 0; k < tokens.Length; k++)
                {
                    rows[k] = EncodeToken(field, tokens[k], Spec.EffectiveHashVersion);
                }

                ids[f] = rows;
            }
        }
        catch (DataFormatException e)
        {
            error = e.Message;
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>The raw value of a model numeric feature in an example (NaN = missing).</summary>
    /// <param name="example">The example.</param>
    /// <param name="feature">The model's feature index.</param>
    /// <returns>The value.</returns>
    public float Numeric(Example example, int feature)
    {
        ArgumentNullException.ThrowIfNull(example);
        return example.Numeric[_sourceNumeric[feature]];
    }

    /// <summary>The label of a model task in an example (NaN = missing, also when the data has no such task).</summary>
    /// <param name="example">The example.</param>
    /// <param name="task">The model's task index.</param>
    /// <returns>The label.</returns>
    public float Label(Example example, int task)
    {
        ArgumentNullException.ThrowIfNull(example);
        return _sourceTask[task] < 0 ? float.NaN : example.Labels[_sourceTask[task]];
    }

    /// <summary>Appends an encoded example to a batch.</summary>
    /// <param name="batch">A batch for <see cref="Spec"/> with room.</param>
    /// <param name="example">The example.</param>
    /// <param name="ids">Its rows from <see cref="TryEncode"/>.</param>
    /// <param name="standardizer">Applied to numeric features, when given.</param>
    public void AddTo(Batch batch, Example example, int[][] ids, NumericStandardizer? standardizer)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(ids);
        var e = batch.Add();
        for (var f = 0; f < ids.Length; f++)
        {
            if (Spec.Fields[f].MultiValued)
            {
                foreach (var id in ids[f])
                {
                    batch.AddBagId(f, id);
                }
            }
            else
            {
                batch.SetId(e, f, ids[f][0]);
            }
        }

        for (var n = 0; n < _sourceNumeric.Length; n++)
        {
            var value = Numeric(example, n);
            batch.SetNumeric(e, n, standardizer?.Apply(n, value) ?? (float.IsNaN(value) ? 0f : value));
        }

        for (var t = 0; t < _sourceTask.Length; t++)
        {
            batch.SetLabel(e, t, Label(example, t));
        }
    }

    /// <summary>The index of a name in a list (ordinal), or −1.</summary>
    internal static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
