using Federated.Client.Data;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;

namespace Federated.Client.Training;

/// <summary>
/// A virtual client's local state in memory, kept compactly: of each local embedding table only the rows the
/// client owns (the ids occurring anywhere in its <see cref="ExampleTable"/>), plus the small local dense tensors
/// (local task heads, uncertainty weights) in full. For ML-100K with one client per user that is one user row and
/// two small towers, about 1.2 KB, instead of a full model.
/// </summary>
/// <remarks>
/// <para>
/// Rows the client does not own are not kept. <see cref="TryLoad"/> leaves them as they are in the buffer it
/// writes into (in a lent workspace: whatever another client left there). That is safe because the client's data
/// never reads them: every id of every split of its table is owned, and training only changes rows of the batch.
/// A non-owned row can therefore never be changed by this client's training; <see cref="Save"/> checks that
/// (throwing rather than losing a row) when it is given the touched rows.
/// </para>
/// <para>Until the first <see cref="Save"/> the store holds the client's initial values, taken from the parameter set
/// given at construction. Not thread-safe: one worker at a time.</para>
/// </remarks>
public sealed class CompactLocalStateStore : ILocalStateStore
{
    private readonly string _fingerprint;
    private readonly TensorInfo[] _dense;
    private readonly TensorInfo[] _tables;
    private readonly int[][] _owned;
    private readonly float[] _values;
    private LocalStateHeader? _header;

    /// <summary>
    /// A store for the client whose examples are <paramref name="table"/>, starting from the local tensors of
    /// <paramref name="initial"/> (e.g. <c>ParameterSet.Initialize(layout, seed)</c>, which a real node would start
    /// from; one set may be shared by every client of a run).
    /// </summary>
    /// <param name="table">The client's examples (all splits): they decide which rows it owns.</param>
    /// <param name="initial">Initial values, with the layout of the table's model; read, not kept.</param>
    /// <exception cref="ArgumentException"><paramref name="initial"/> has another layout than the table's model.</exception>
    public CompactLocalStateStore(ExampleTable table, ParameterSet initial)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(initial);
        var spec = table.Spec;
        var layout = initial.Layout;
        _fingerprint = layout.Fingerprint;
        if (table.Model.Fingerprint != _fingerprint)
        {
            throw new ArgumentException("the initial parameters do not have the layout of the data's model", nameof(initial));
        }

        _dense = [.. layout.InScope(ParameterScope.Local).Where(t => t.Kind != TensorKind.Embedding)];
        var tables = new List<TensorInfo>();
        var owned = new List<int[]>();
        for (var f = 0; f < spec.Fields.Count; f++)
        {
            if (spec.Fields[f].Scope == ParameterScope.Local)
            {
                tables.Add(layout[TensorNames.Embedding(spec.Fields[f].Name)]);
                owned.Add(table.DistinctIds(f));
            }
        }

        _tables = [.. tables];
        _owned = [.. owned];
        long length = 0;
        foreach (var tensor in _dense)
        {
            length += tensor.Length;
        }

        for (var i = 0; i < _tables.Length; i++)
        {
            length += (long)_owned[i].Length * _tables[i].Columns;
        }

        _values = new float[length];
        Copy(initial, toStore: true);
    }

    /// <summary>
    /// Replaces the kept initial value of a local dense tensor (a local head's output bias started from the client's
    /// data) before the first <see cref="Save"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">A state was saved already.</exception>
    /// <exception cref="KeyNotFoundException">No local dense tensor has that name.</exception>
    internal void SetInitial(string tensorName, ReadOnlySpan<float> values)
    {
        if (_header is not null)
        {
            throw new InvalidOperationException("the client's initial local state can only be changed before its first save");
        }

        var at = 0;
        foreach (var tensor in _dense)
        {
            if (tensor.Name == tensorName)
            {
                values.CopyTo(_values.AsSpan(at, tensor.Length));
                return;
            }

            at += tensor.Length;
        }

        throw new KeyNotFoundException($"'{tensorName}' is not a local dense tensor of the model");
    }

    /// <summary>Always true: every value the client's data can read is kept.</summary>
    public bool RestoresCompleteState => true;

    /// <summary>Floats kept: the local dense tensors plus owned rows × dimension of each local table.</summary>
    public int ValueCount => _values.Length;

    /// <summary>Approximate bytes of the kept values and row ids (excluding object headers).</summary>
    public long SizeInBytes
    {
        get
        {
            long bytes = (long)_values.Length * sizeof(float);
            foreach (var rows in _owned)
            {
                bytes += (long)rows.Length * sizeof(int);
            }

            return bytes;
        }
    }

    /// <summary>What the last <see cref="Save"/> recorded, or null before the first.</summary>
    public LocalStateHeader? Header => _header;

    /// <summary>The rows of a local embedding table that this client owns, ascending.</summary>
    /// <param name="tensorName">The table's tensor name, e.g. <c>emb/user</c>.</param>
    /// <returns>The rows.</returns>
    /// <exception cref="KeyNotFoundException">No local embedding table has that name.</exception>
    public IReadOnlyList<int> OwnedRows(string tensorName)
    {
        for (var i = 0; i < _tables.Length; i++)
        {
            if (_tables[i].Name == tensorName)
            {
                return _owned[i];
            }
        }

        throw new KeyNotFoundException($"'{tensorName}' is not a local embedding table of the model");
    }

    /// <inheritdoc/>
    /// <remarks>Writes the local dense tensors and the owned rows; other rows of local tables are left as they are.</remarks>
    public LocalStateHeader? TryLoad(ParameterSet parameters)
    {
        RequireLayout(parameters);
        Copy(parameters, toStore: false);
        return _header;
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">A touched row of a local table is not owned (it would be lost).</exception>
    public void Save(ParameterSet parameters, long modelVersion, long round, IReadOnlyDictionary<string, RowSet>? touchedRows = null)
    {
        RequireLayout(parameters);
        if (touchedRows is not null)
        {
            for (var i = 0; i < _tables.Length; i++)
            {
                if (touchedRows.TryGetValue(_tables[i].Name, out var touched) && !ContainsAll(_owned[i], touched))
                {
                    throw new InvalidOperationException(
                        $"training changed rows of '{_tables[i].Name}' that the client does not own; they would be lost (the data read a row outside its table?)");
                }
            }
        }

        Copy(parameters, toStore: true);
        _header = new LocalStateHeader(_fingerprint, modelVersion, round);
        Revision++;
    }

    /// <inheritdoc/>
    public long Revision { get; private set; }

    /// <summary>True when every row of <paramref name="touched"/> is in <paramref name="owned"/>: O(owned), no allocation.</summary>
    private static bool ContainsAll(int[] owned, RowSet touched)
    {
        var found = 0;
        foreach (var row in owned)
        {
            found += touched.Contains(row) ? 1 : 0;
        }

        return found == touched.Count;
    }

    private void Copy(ParameterSet parameters, bool toStore)
    {
        var values = parameters.Values;
        var at = 0;
        foreach (var tensor in _dense)
        {
            Move(values.AsSpan(tensor.Offset, tensor.Length), _values.AsSpan(at, tensor.Length), toStore);
            at += tensor.Length;
        }

        for (var i = 0; i < _tables.Length; i++)
        {
            var table = _tables[i];
            var dim = table.Columns;
            foreach (var row in _owned[i])
            {
                Move(values.AsSpan(table.Offset + (row * dim), dim), _values.AsSpan(at, dim), toStore);
                at += dim;
            }
        }
    }

    private static void Move(Span<float> model, Span<float> kept, bool toStore)
    {
        if (toStore)
        {
            model.CopyTo(kept);
        }
        else
        {
            kept.CopyTo(model);
        }
    }

    private void RequireLayout(ParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!ReferenceEquals(parameters.Layout.Fingerprint, _fingerprint) && parameters.Layout.Fingerprint != _fingerprint)
        {
            throw new LocalStateException(
                $"the local state was kept for model layout {_fingerprint}, but the parameters have layout {parameters.Layout.Fingerprint}");
        }
    }
}
