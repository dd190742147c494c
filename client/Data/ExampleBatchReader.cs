using Federated.Model.Spec;
using Federated.Model.Training;

namespace Federated.Client.Data;

/// <summary>
/// Streams a source straight into batches, holding no more than one batch of examples: for one pass
/// over data too large to keep (e.g. scoring a big file). Rows that cannot be encoded are counted in
/// <see cref="Report"/> with their line numbers, together with the source's own bad rows.
/// </summary>
public sealed class ExampleBatchReader
{
    private readonly IExampleSource _source;
    private readonly ExampleEncoder _encoder;

    /// <summary>Creates the reader.</summary>
    /// <param name="source">The source.</param>
    /// <param name="spec">The model.</param>
    /// <exception cref="DataFormatException">The data lacks a field or numeric feature of the model.</exception>
    public ExampleBatchReader(IExampleSource source, ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _encoder = new ExampleEncoder(spec, source.Schema);
    }

    /// <summary>Rows that could not be encoded (the source's own bad rows are in its report).</summary>
    public DataQualityReport Report { get; } = new();

    /// <summary>Reads the source once, filling and yielding <paramref name="batch"/> each time it is full, and once more with the rest.</summary>
    /// <param name="batch">The batch to fill (cleared before each fill); the same object is yielded every time.</param>
    /// <param name="standardizer">Applied to numeric features, when given.</param>
    /// <returns>The batch, each time it holds the next examples.</returns>
    public IEnumerable<Batch> Read(Batch batch, NumericStandardizer? standardizer = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Report.Reset();
        var ids = new int[_encoder.Spec.Fields.Count][];
        batch.Clear();
        foreach (var example in _source.Read())
        {
            if (!_encoder.TryEncode(example, ids, out var error))
            {
                Report.RecordBad(new BadRow(_source.Name, example.LineNumber, error!));
                continue;
            }

            Report.RecordGood();
            _encoder.AddTo(batch, example, ids, standardizer);
            if (batch.IsFull)
            {
                yield return batch;
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }
}
