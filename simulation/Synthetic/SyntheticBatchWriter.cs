using Federated.Model.Training;

namespace Federated.Simulation.Synthetic;

/// <summary>Writes synthetic examples into a <see cref="Batch"/> of <see cref="SyntheticFederation.DefaultSpec"/>.</summary>
internal static class SyntheticBatchWriter
{
    /// <summary>Clears <paramref name="batch"/> and fills it with examples [start, start + count) of <paramref name="order"/>.</summary>
    public static void Fill(Batch batch, IReadOnlyList<SyntheticExample> examples, ReadOnlySpan<int> order)
    {
        batch.Clear();
        foreach (var index in order)
        {
            var e = examples[index];
            var row = batch.Add();
            batch.SetId(row, 0, e.User);
            batch.SetId(row, 1, e.Item);
            foreach (var genre in e.Genres)
            {
                batch.AddBagId(2, genre);
            }

            batch.SetNumeric(row, 0, e.Price);
            batch.SetLabel(row, 0, e.Click);
            batch.SetLabel(row, 1, e.Conversion);
            batch.SetLabel(row, 2, e.Rating);
        }
    }
}
