using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;

namespace Federated.Client.Data;

/// <summary>
/// A node's examples, encoded for one compiled model (<see cref="Model"/>) and held columnar: embedding rows per
/// field (hashed with <see cref="TokenHasher"/> or checked against the vocabulary), numeric features,
/// labels (NaN = missing) and time. Raw tokens are not kept, except user and item keys for recommendations.
/// </summary>
public sealed class ExampleTable
{
    private readonly List<int>[] _ids;
    private readonly List<int>[] _bagOffsets;
    private readonly List<float> _numeric = [];
    private readonly List<float>[] _labels;
    private readonly List<double> _times = [];
    private readonly List<int> _userOf = [];
    private readonly List<int> _itemOf = [];
    private readonly List<string> _userKeys = [];
    private readonly List<string> _itemKeys = [];
    private readonly Dictionary<string, int> _userIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _itemIndex = new(StringComparer.Ordinal);
    private readonly int _userField;
    private readonly int _itemField;

    private ExampleTable(CompiledModel model, ExampleSchema schema)
    {
        Model = model;
        var spec = model.Spec;
        Schema = schema;
        Encoder = new ExampleEncoder(spec, schema);
        _ids = new List<int>[spec.Fields.Count];
        _bagOffsets = new List<int>[spec.Fields.Count];
        for (var f = 0; f < spec.Fields.Count; f++)
        {
            _ids[f] = [];
            _bagOffsets[f] = spec.Fields[f].MultiValued ? [0] : [];
        }

        _labels = [.. spec.Tasks.Select(_ => new List<float>())];
        _userField = schema.UserField is null ? -1 : ExampleEncoder.IndexOf(schema.Fields, schema.UserField);
        _itemField = schema.ItemField is null ? -1 : ExampleEncoder.IndexOf(schema.Fields, schema.ItemField);
        ItemFields = new bool[spec.Fields.Count];
        for (var f = 0; f < spec.Fields.Count; f++)
        {
            var name = spec.Fields[f].Name;
            ItemFields[f] = name == schema.ItemField || (schema.ItemFeatureFields?.Contains(name) ?? false);
        }
    }

    /// <summary>The compiled model the examples are encoded for: what training and evaluation on them use.</summary>
    public CompiledModel Model { get; }

    /// <summary>The spec of <see cref="Model"/>.</summary>
    public ModelSpec Spec => Model.Spec;

    /// <summary>How the source's examples map onto the model.</summary>
    public ExampleEncoder Encoder { get; }

    /// <summary>The schema of the source.</summary>
    public ExampleSchema Schema { get; }

    /// <summary>Bad rows met while reading and encoding.</summary>
    public DataQualityReport Report { get; private set; } = new();

    /// <summary>The number of examples.</summary>
    public int Count => _times.Count;

    /// <summary>Whether the examples carry a time key.</summary>
    public bool HasTime => Schema.HasTime;

    /// <summary>Distinct item keys, in order of first appearance (the recommendation candidates).</summary>
    public IReadOnlyList<string> Items => _itemKeys;

    /// <summary>Distinct user keys, in order of first appearance.</summary>
    public IReadOnlyList<string> Users => _userKeys;

    /// <summary>Per model field: whether it describes the item (item field or item feature field).</summary>
    internal bool[] ItemFields { get; }

    /// <summary>
    /// Reads a source to its end and encodes its examples. A row whose tokens cannot be encoded (a
    /// vocabulary id out of range or not an integer) is counted as bad with its line number.
    /// </summary>
    /// <param name="source">The source.</param>
    /// <param name="model">The model, compiled once by the caller (one instance may serve many tables).</param>
    /// <returns>The table.</returns>
    /// <exception cref="DataFormatException">The data lacks a field or numeric feature of the model, or a file does not match.</exception>
    public static ExampleTable Load(IExampleSource source, CompiledModel model)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(model);
        var table = new ExampleTable(model, source.Schema);
        var encodingErrors = new List<BadRow>();
        var scratch = new int[model.Spec.Fields.Count][];
        foreach (var example in source.Read())
        {
            if (!table.Encoder.TryEncode(example, scratch, out var error))
            {
                encodingErrors.Add(new BadRow(source.Name, example.LineNumber, error!));
                continue;
            }

            table.Append(example, scratch);
        }

        var report = new DataQualityReport();
        foreach (var bad in source.Report.FirstBadRows)
        {
            report.RecordBad(bad);
        }

        report.CountBad(source.Report.BadRows - source.Report.FirstBadRows.Count);

        foreach (var bad in encodingErrors)
        {
            report.RecordBad(bad);
        }

        report.CountGood(table.Count);

        table.Report = report;
        return table;
    }

    /// <summary>Compiles <paramref name="spec"/> and reads a source with it (see <see cref="Load(IExampleSource, CompiledModel)"/>).</summary>
    /// <param name="source">The source.</param>
    /// <param name="spec">The model's spec; validated and compiled here, so prefer the compiled overload where a model is at hand.</param>
    /// <returns>The table.</returns>
    /// <exception cref="ModelSpecException">The spec is invalid.</exception>
    /// <exception cref="DataFormatException">The data lacks a field or numeric feature of the model, or a file does not match.</exception>
    public static ExampleTable Load(IExampleSource source, ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(spec);
        return Load(source, CompiledModel.Compile(spec));
    }

    /// <summary>The raw value of a numeric feature (NaN = missing).</summary>
    /// <param name="row">The example.</param>
    /// <param name="feature">The feature index in the model.</param>
    /// <returns>The value.</returns>
    public float NumericValue(int row, int feature) => _numeric[(row * Spec.Numeric.Count) + feature];

    /// <summary>The label of an example (NaN = missing).</summary>
    /// <param name="row">The example.</param>
    /// <param name="task">The task index in the model.</param>
    /// <returns>The label.</returns>
    public float Label(int row, int task) => _labels[task][row];

    /// <summary>The time key of an example (NaN when the source has none).</summary>
    /// <param name="row">The example.</param>
    /// <returns>The time.</returns>
    public double Time(int row) => _times[row];

    /// <summary>
    /// A 64-bit FNV-1a hash of an example's encoded content: its embedding rows per field (every id of a bag), its raw
    /// numeric values, labels and time, as bits. Equal examples hash equally wherever they stand in the data; the line
    /// number is left out on purpose, so inserting rows above one does not change it.
    /// </summary>
    /// <param name="row">The example.</param>
    /// <returns>The hash.</returns>
    internal ulong ContentHash(int row)
    {
        const ulong prime = 1099511628211UL;
        var hash = 14695981039346656037UL;
        void Add(ulong value)
        {
            // Eight bytes, low first: FNV-1a over the value's little-endian bytes.
            for (var b = 0; b < 8; b++)
            {
                hash = (hash ^ ((value >> (8 * b)) & 0xFF)) * prime;
            }
        }

        for (var f = 0; f < _ids.Length; f++)
        {
            var (from, to) = Spec.Fields[f].MultiValued ? (_bagOffsets[f][row], _bagOffsets[f][row + 1]) : (row, row + 1);
            Add((ulong)(to - from));
            for (var k = from; k < to; k++)
            {
                Add((ulong)_ids[f][k]);
            }
        }

        for (var n = 0; n < Spec.Numeric.Count; n++)
        {
            Add(BitConverter.SingleToUInt32Bits(NumericValue(row, n)));
        }

        for (var t = 0; t < _labels.Length; t++)
        {
            Add(BitConverter.SingleToUInt32Bits(_labels[t][row]));
        }

        Add(BitConverter.DoubleToUInt64Bits(_times[row]));
        return hash;
    }

    /// <summary>The item key of an example, or null when the schema names no item field.</summary>
    /// <param name="row">The example.</param>
    /// <returns>The item key.</returns>
    public string? ItemOf(int row) => _itemField < 0 ? null : _itemKeys[_itemOf[row]];

    /// <summary>Appends examples to a batch (which must have room for them).</summary>
    /// <param name="batch">A batch for <see cref="Spec"/>.</param>
    /// <param name="rows">The examples.</param>
    /// <param name="standardizer">Applied to numeric features, when given.</param>
    public void Fill(Batch batch, ReadOnlySpan<int> rows, NumericStandardizer? standardizer)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var row in rows)
        {
            AddCombined(batch, row, row, standardizer);
        }
    }

    /// <summary>
    /// The distinct embedding rows that field <paramref name="field"/> takes in these examples (every id of
    /// every bag, for a multi-valued field), ascending: the only rows of its table that this data can read.
    /// </summary>
    /// <param name="field">The field index in the model.</param>
    /// <returns>Ascending, distinct row ids in [0, rows of the field).</returns>
    public int[] DistinctIds(int field)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)field, (uint)_ids.Length, nameof(field));
        var rows = new RowSet(Spec.Fields[field].Rows);
        foreach (var id in _ids[field])
        {
            rows.Add(id);
        }

        return rows.ToArray();
    }

    /// <summary>Rows (first occurrence) of a user and of each item, and the items a user has seen.</summary>
    internal bool TryFindUser(string user, out int row, out HashSet<int> seenItems)
    {
        seenItems = [];
        row = -1;
        if (_userField < 0 || !_userIndex.TryGetValue(user, out var index))
        {
            return false;
        }

        for (var i = 0; i < Count; i++)
        {
            if (_userOf[i] == index)
            {
                if (row < 0)
                {
                    row = i;
                }

                if (_itemField >= 0)
                {
                    seenItems.Add(_itemOf[i]);
                }
            }
        }

        return row >= 0;
    }

    /// <summary>The first row of each item, indexed like <see cref="Items"/>.</summary>
    internal int[] FirstRowOfItems()
    {
        var first = new int[_itemKeys.Count];
        Array.Fill(first, -1);
        for (var i = 0; i < Count; i++)
        {
            if (first[_itemOf[i]] < 0)
            {
                first[_itemOf[i]] = i;
            }
        }

        return first;
    }

    /// <summary>Appends one example whose item-side fields come from <paramref name="itemRow"/> and the rest from <paramref name="userRow"/>.</summary>
    internal void AddCombined(Batch batch, int userRow, int itemRow, NumericStandardizer? standardizer)
    {
        var e = batch.Add();
        for (var f = 0; f < _ids.Length; f++)
        {
            var row = ItemFields[f] ? itemRow : userRow;
            if (Spec.Fields[f].MultiValued)
            {
                var offsets = _bagOffsets[f];
                for (var k = offsets[row]; k < offsets[row + 1]; k++)
                {
                    batch.AddBagId(f, _ids[f][k]);
                }
            }
            else
            {
                batch.SetId(e, f, _ids[f][row]);
            }
        }

        for (var n = 0; n < Spec.Numeric.Count; n++)
        {
            var value = NumericValue(userRow, n);
            batch.SetNumeric(e, n, standardizer?.Apply(n, value) ?? (float.IsNaN(value) ? 0f : value));
        }

        for (var t = 0; t < _labels.Length; t++)
        {
            batch.SetLabel(e, t, _labels[t][userRow]);
        }
    }

    private void Append(Example example, int[][] encoded)
    {
        for (var f = 0; f < _ids.Length; f++)
        {
            _ids[f].AddRange(encoded[f]);
            if (Spec.Fields[f].MultiValued)
            {
                _bagOffsets[f].Add(_ids[f].Count);
            }
        }

        for (var n = 0; n < Spec.Numeric.Count; n++)
        {
            _numeric.Add(Encoder.Numeric(example, n));
        }

        for (var t = 0; t < _labels.Length; t++)
        {
            _labels[t].Add(Encoder.Label(example, t));
        }

        _times.Add(example.Time);
        _userOf.Add(Intern(_userField, example, _userIndex, _userKeys));
        _itemOf.Add(Intern(_itemField, example, _itemIndex, _itemKeys));
    }

    private static int Intern(int field, Example example, Dictionary<string, int> index, List<string> keys)
    {
        if (field < 0)
        {
            return -1;
        }

        var tokens = example.Tokens[field];
        var key = tokens.Length == 0 ? "" : tokens[0];
        if (!index.TryGetValue(key, out var id))
        {
            id = keys.Count;
            index.Add(key, id);
            keys.Add(key);
        }

        return id;
    }
}
