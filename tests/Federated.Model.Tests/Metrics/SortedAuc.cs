namespace Federated.Model.Tests.Metrics;

/// <summary>Reference AUC by sorting: the Mann–Whitney U with average ranks for tied scores.</summary>
internal static class SortedAuc
{
    public static double Compute(ReadOnlySpan<float> scores, ReadOnlySpan<float> labels)
    {
        var order = new int[scores.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var keys = scores.ToArray();
        Array.Sort(keys, order);

        double positiveRankSum = 0;
        long positives = 0;
        var start = 0;
        while (start < keys.Length)
        {
            var end = start;
            while (end + 1 < keys.Length && keys[end + 1] == keys[start])
            {
                end++;
            }

            // 1-based ranks start+1 … end+1 share their mean.
            var averageRank = ((start + 1) + (end + 1)) / 2.0;
            for (var j = start; j <= end; j++)
            {
                if (labels[order[j]] == 1f)
                {
                    positiveRankSum += averageRank;
                    positives++;
                }
            }

            start = end + 1;
        }

        var negatives = keys.Length - positives;
        var u = positiveRankSum - (positives * (positives + 1) / 2.0);
        return u / ((double)positives * negatives);
    }
}
