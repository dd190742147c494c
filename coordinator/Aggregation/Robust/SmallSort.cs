namespace Federated.Coordinator.Aggregation.Robust;

/// <summary>
/// Sorts the few values of one coordinate (one per update of a round): an insertion sort up to
/// <see cref="InsertionLimit"/> values, where it beats <see cref="MemoryExtensions.Sort{T}(Span{T})"/>'s set-up
/// (measured with the <c>robust-aggregate</c> benchmark: a median round of 10 updates × 1 M parameters from 474 to
/// 356 ms), the framework's sort above. Values are finite (NaN is refused before aggregation), so both orders agree.
/// </summary>
internal static class SmallSort
{
    /// <summary>Longest span sorted by insertion.</summary>
    public const int InsertionLimit = 24;

    public static void Sort(Span<float> values)
    {
        if (values.Length > InsertionLimit)
        {
            values.Sort();
            return;
        }

        for (var i = 1; i < values.Length; i++)
        {
            var value = values[i];
            var j = i - 1;
            while (j >= 0 && values[j] > value)
            {
                values[j + 1] = values[j];
                j--;
            }

            values[j + 1] = value;
        }
    }
}
