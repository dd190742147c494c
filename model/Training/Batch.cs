using Federated.Model.Spec;

namespace Federated.Model.Training;

/// <summary>
/// Up to <see cref="Capacity"/> examples in columnar form: per field the row ids (already hashed or looked up), per
/// multi-valued field a bag of ids per example, the numeric features [Capacity, NumericCount] and one label column per
/// task (NaN marks a missing label, whose loss is masked). Reused across steps: <see cref="Clear"/> then fill.
/// </summary>
public sealed class Batch
{
    private readonly int[][] _ids;
    private readonly int[][] _bagOffsets;
    private readonly bool[] _multiValued;
    private readonly float[] _numeric;
    private readonly float[][] _labels;

    /// <summary>An empty batch for <paramref name="spec"/> of at most <paramref name="capacity"/> examples.</summary>
    public Batch(ModelSpec spec, int capacity)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Spec = spec;
        Capacity = capacity;
        _ids = new int[spec.Fields.Count][];
        _bagOffsets = new int[spec.Fields.Count][];
        _multiValued = new bool[spec.Fields.Count];
        for (var f = 0; f < _ids.Length; f++)
        {
            _multiValued[f] = spec.Fields[f].MultiValued;
            _ids[f] = new int[capacity];
            _bagOffsets[f] = _multiValued[f] ? new int[capacity + 1] : [];
        }

        _numeric = new float[capacity * spec.Numeric.Count];
        _labels = new float[spec.Tasks.Count][];
        for (var t = 0; t < _labels.Length; t++)
        {
            _labels[t] = new float[capacity];
            _labels[t].AsSpan().Fill(float.NaN);
        }
    }

    /// <summary>The spec whose fields, features and tasks the columns follow.</summary>
    public ModelSpec Spec { get; }

    /// <summary>Maximum number of examples.</summary>
    public int Capacity { get; }

    /// <summary>Number of examples now in the batch.</summary>
    public int Count { get; private set; }

    /// <summary>True when <see cref="Count"/> equals <see cref="Capacity"/>.</summary>
    public bool IsFull => Count == Capacity;

    /// <summary>Empties the batch: bags empty, numeric features zero, labels missing.</summary>
    public void Clear()
    {
        for (var f = 0; f < _ids.Length; f++)
        {
            if (_multiValued[f])
            {
                _bagOffsets[f].AsSpan(0, Count + 1).Clear();
            }
        }

        _numeric.AsSpan(0, Count * Spec.Numeric.Count).Clear();
        foreach (var labels in _labels)
        {
            labels.AsSpan(0, Count).Fill(float.NaN);
        }

        Count = 0;
    }

    /// <summary>
    /// Appends an example (ids 0, empty bags, numeric 0, labels missing) and returns its index. Bag ids can only be
    /// added to the example appended last.
    /// </summary>
    public int Add()
    {
        if (Count == Capacity)
        {
            throw new InvalidOperationException($"the batch is full ({Capacity} examples)");
        }

        var index = Count++;
        for (var f = 0; f < _ids.Length; f++)
        {
            if (_multiValued[f])
            {
                _bagOffsets[f][index + 1] = _bagOffsets[f][index];
            }
            else
            {
                _ids[f][index] = 0;
            }
        }

        return index;
    }

    /// <summary>Sets the row id of single-valued field <paramref name="field"/> for an example.</summary>
    public void SetId(int example, int field, int id)
    {
        RequireExample(example);
        if (_multiValued[field])
        {
            throw new InvalidOperationException($"field '{Spec.Fields[field].Name}' is multi-valued: use AddBagId");
        }

        _ids[field][example] = id;
    }

    /// <summary>Adds a row id to the bag of multi-valued field <paramref name="field"/> of the last example.</summary>
    public void AddBagId(int field, int id)
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("add an example before its bag ids");
        }

        if (!_multiValued[field])
        {
            throw new InvalidOperationException($"field '{Spec.Fields[field].Name}' is single-valued: use SetId");
        }

        var offsets = _bagOffsets[field];
        var end = offsets[Count];
        if (end == _ids[field].Length)
        {
            Array.Resize(ref _ids[field], _ids[field].Length * 2);
        }

        _ids[field][end] = id;
        offsets[Count] = end + 1;
    }

    /// <summary>Sets numeric feature <paramref name="feature"/> of an example.</summary>
    public void SetNumeric(int example, int feature, float value)
    {
        RequireExample(example);
        _numeric[(example * Spec.Numeric.Count) + feature] = value;
    }

    /// <summary>Sets the label of task <paramref name="task"/> for an example (NaN: missing).</summary>
    public void SetLabel(int example, int task, float value)
    {
        RequireExample(example);
        _labels[task][example] = value;
    }

    /// <summary>
    /// Fills a batch in bulk: sets <see cref="Count"/> to <paramref name="count"/> and gives direct access to the columns
    /// through <see cref="Ids"/>, <see cref="Numeric"/> and <see cref="Labels"/>. Only for specs without multi-valued fields.
    /// </summary>
    public void SetCount(int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Capacity);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (Array.IndexOf(_multiValued, true) >= 0)
        {
            throw new InvalidOperationException("a batch with multi-valued fields is filled example by example");
        }

        Count = count;
    }

    /// <summary>Row ids of a single-valued field, [Capacity]; of a multi-valued field, the concatenated bags.</summary>
    public Span<int> Ids(int field) => _ids[field];

    /// <summary>Bag boundaries of a multi-valued field: example i's ids are Ids[offsets[i]..offsets[i+1]]; empty for single-valued fields.</summary>
    public ReadOnlySpan<int> BagOffsets(int field) => _bagOffsets[field];

    /// <summary>Numeric features, [Capacity, NumericCount] row-major.</summary>
    public Span<float> Numeric => _numeric;

    /// <summary>Labels of a task, [Capacity]; NaN where missing.</summary>
    public Span<float> Labels(int task) => _labels[task];

    private void RequireExample(int example)
    {
        if ((uint)example >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(example), example, $"the batch holds {Count} examples");
        }
    }
}
