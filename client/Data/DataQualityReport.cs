namespace Federated.Client.Data;

/// <summary>Counts of good and bad rows, with the first few bad rows and why they were rejected.</summary>
public sealed class DataQualityReport
{
    /// <summary>How many bad rows are kept with their line number and reason.</summary>
    public const int MaxReported = 5;

    private readonly List<BadRow> _first = [];

    /// <summary>Rows read into examples.</summary>
    public long GoodRows { get; private set; }

    /// <summary>Rows rejected.</summary>
    public long BadRows { get; private set; }

    /// <summary>The first <see cref="MaxReported"/> rejected rows.</summary>
    public IReadOnlyList<BadRow> FirstBadRows => _first;

    /// <summary>Counts a good row.</summary>
    public void RecordGood() => GoodRows++;

    /// <summary>Counts a bad row and keeps it if it is among the first few.</summary>
    /// <param name="row">The row.</param>
    public void RecordBad(BadRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        BadRows++;
        if (_first.Count < MaxReported)
        {
            _first.Add(row);
        }
    }

    /// <summary>Counts good rows.</summary>
    /// <param name="count">How many.</param>
    public void CountGood(long count) => GoodRows += count;

    /// <summary>Counts bad rows that are not kept (the first few were recorded elsewhere).</summary>
    /// <param name="count">How many.</param>
    public void CountBad(long count) => BadRows += count;

    /// <summary>Forgets everything (a source starting a new pass).</summary>
    public void Reset()
    {
        GoodRows = 0;
        BadRows = 0;
        _first.Clear();
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        if (BadRows == 0)
        {
            return $"{GoodRows} rows read, none rejected";
        }

        var lines = string.Join(Environment.NewLine, _first.Select(r => "  " + r));
        var more = BadRows > _first.Count ? $"{Environment.NewLine}  … and {BadRows - _first.Count} more" : "";
        return $"{GoodRows} rows read, {BadRows} rejected:{Environment.NewLine}{lines}{more}";
    }
}
