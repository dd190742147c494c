using System.Globalization;

namespace Federated.Client.Data;

/// <summary>Streams examples from a CSV/TSV file described by a <see cref="CsvSchema"/>.</summary>
/// <remarks>
/// A row with the wrong number of cells, or a numeric cell or label that is not a number, is counted
/// as bad in <see cref="Report"/> and skipped. A schema that names a column the file lacks fails at
/// once with a <see cref="DataFormatException"/> naming the column. Blank lines are ignored.
/// </remarks>
public sealed class CsvExampleSource : IExampleSource
{
    private readonly string _path;
    private readonly CsvSchema _schema;

    /// <summary>Creates the source; nothing is read until <see cref="Read"/>.</summary>
    /// <param name="path">The data file.</param>
    /// <param name="schema">Its schema.</param>
    public CsvExampleSource(string path, CsvSchema schema)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(schema);
        schema.Validate();
        _path = path;
        _schema = schema;
        Schema = schema.ToExampleSchema();
    }

    /// <inheritdoc/>
    public string Name => Path.GetFileName(_path);

    /// <inheritdoc/>
    public ExampleSchema Schema { get; }

    /// <inheritdoc/>
    public DataQualityReport Report { get; } = new();

    /// <summary>
    /// Reads only the header line (or takes the schema's column list) and checks that every column the schema names is
    /// there, so that a wrong schema fails before the node contacts a coordinator.
    /// </summary>
    /// <exception cref="DataFormatException">The file is empty, or a column of the schema is not in it (names the column).</exception>
    public void CheckColumns()
    {
        var file = Path.GetFileName(_path);
        IReadOnlyList<string> columns = _schema.Columns!;
        if (_schema.Header)
        {
            using var reader = new StreamReader(_path);
            var header = reader.ReadLine() ?? throw new DataFormatException($"{file}: the file is empty but the schema expects a header line");
            var cells = new List<string>();
            DelimitedLine.Split(header, _schema.Separator, _schema.Quoted, cells);
            columns = [.. cells.Select(c => c.Trim())];
        }

        _ = new ColumnPlan(_schema, columns, file);
    }

    /// <inheritdoc/>
    public IEnumerable<Example> Read()
    {
        Report.Reset();
        var file = Path.GetFileName(_path);
        using var reader = new StreamReader(_path);
        var cells = new List<string>();
        long lineNumber = 0;
        IReadOnlyList<string> columns;
        if (_schema.Header)
        {
            var header = reader.ReadLine() ?? throw new DataFormatException($"{file}: the file is empty but the schema expects a header line");
            lineNumber = 1;
            DelimitedLine.Split(header, _schema.Separator, _schema.Quoted, cells);
            columns = [.. cells.Select(c => c.Trim())];
        }
        else
        {
            columns = _schema.Columns!;
        }

        var plan = new ColumnPlan(_schema, columns, file);
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Length == 0 || string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            DelimitedLine.Split(line, _schema.Separator, _schema.Quoted, cells);
            if (cells.Count != columns.Count)
            {
                Report.RecordBad(new BadRow(file, lineNumber, $"expected {columns.Count} cells, found {cells.Count}"));
                continue;
            }

            var example = plan.TryRead(cells, lineNumber, out var reason);
            if (example is null)
            {
                Report.RecordBad(new BadRow(file, lineNumber, reason!));
                continue;
            }

            Report.RecordGood();
            yield return example;
        }
    }

    private sealed class ColumnPlan
    {
        private readonly CsvSchema _schema;
        private readonly int[] _fields;
        private readonly int[] _numeric;
        private readonly int[] _labels;
        private readonly LabelExpression?[] _derived;
        private readonly int _time;

        public ColumnPlan(CsvSchema schema, IReadOnlyList<string> columns, string file)
        {
            _schema = schema;
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < columns.Count; i++)
            {
                index.TryAdd(columns[i], i);
            }

            int Find(string column, string key)
            {
                if (index.TryGetValue(column, out var at))
                {
                    return at;
                }

                throw new DataFormatException(
                    $"{file}: column '{column}' ({key}) is not in the file; its columns are: {string.Join(", ", columns)}", column);
            }

            _fields = [.. schema.Fields.Select((f, i) => Find(f.Column ?? f.Name, $"fields[{i}]"))];
            _numeric = [.. schema.Numeric.Select((n, i) => Find(n.Column ?? n.Name, $"numeric[{i}]"))];
            _derived = [.. schema.Labels.Select((l, i) => l.Derive is null ? null : LabelExpression.Parse(l.Derive, $"labels[{i}].derive"))];
            _labels = [.. schema.Labels.Select((l, i) => Find(_derived[i]?.Column ?? l.Column ?? l.Task, $"labels[{i}]"))];
            _time = schema.Time is null ? -1 : Find(schema.Time, "time");
        }

        public Example? TryRead(List<string> cells, long lineNumber, out string? reason)
        {
            var tokens = new string[_fields.Length][];
            for (var f = 0; f < _fields.Length; f++)
            {
                var cell = cells[_fields[f]].Trim();
                var split = _schema.Fields[f].Split;
                tokens[f] = split is null
                    ? [cell]
                    : cell.Split(split, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            }

            var numeric = new float[_numeric.Length];
            for (var n = 0; n < _numeric.Length; n++)
            {
                if (!TryNumber(cells[_numeric[n]], out var value))
                {
                    reason = $"column '{_schema.Numeric[n].Column ?? _schema.Numeric[n].Name}': '{cells[_numeric[n]]}' is not a number";
                    return null;
                }

                value = _schema.Numeric[n].Transform(value);
                if (double.IsNaN(value) && cells[_numeric[n]].AsSpan().Trim().Length > 0)
                {
                    reason = $"column '{_schema.Numeric[n].Column ?? _schema.Numeric[n].Name}': log1p of '{cells[_numeric[n]]}' (≤ −1) is undefined";
                    return null;
                }

                numeric[n] = (float)value;
            }

            var labels = new float[_labels.Length];
            for (var t = 0; t < _labels.Length; t++)
            {
                if (!TryNumber(cells[_labels[t]], out var value))
                {
                    reason = $"label '{_schema.Labels[t].Task}': '{cells[_labels[t]]}' is not a number";
                    return null;
                }

                labels[t] = _derived[t] is { } derived ? derived.Evaluate(value) : (float)value;
            }

            var time = double.NaN;
            if (_time >= 0 && (!TryNumber(cells[_time], out time) || double.IsNaN(time)))
            {
                reason = $"time column '{_schema.Time}': '{cells[_time]}' is not a number";
                return null;
            }

            reason = null;
            return new Example(lineNumber, tokens, numeric, labels, time);
        }

        // An empty cell is a missing value (NaN); anything else must parse.
        private static bool TryNumber(string cell, out double value)
        {
            var text = cell.AsSpan().Trim();
            if (text.IsEmpty)
            {
                value = double.NaN;
                return true;
            }

            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && !double.IsInfinity(value);
        }
    }
}
