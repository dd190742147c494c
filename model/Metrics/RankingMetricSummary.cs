namespace Federated.Model.Metrics;

/// <summary>
/// Mergeable summary for leave-one-out top-K evaluation: for each evaluated user, the 0-based rank
/// of the held-out item among the candidates. Holds the number of users and a histogram of ranks
/// below K, from which HR@K and NDCG@K of the pooled data follow exactly (bit-for-bit after merging).
/// </summary>
/// <remarks>
/// HR@K = (number of ranks r &lt; K) / n. NDCG@K = Σ_{r&lt;K} count(r) / log₂(r + 2) / n, which with a
/// single relevant item is the mean of 1/log₂(rank + 2) over hits and 0 over misses. Ranks ≥ K are
/// counted as misses. <see cref="AddFromScores"/> ranks pessimistically: candidates that tie the
/// held-out score are ranked above it, so a constant model scores no better than chance.
/// Wire form (<see cref="ToArray"/>), length 3 + K: [kind = 3, K, count, count of rank 0, …, count of rank K − 1].
/// </remarks>
public sealed class RankingMetricSummary : IMetricSummary
{
    /// <summary>The largest cut-off K accepted, 100,000.</summary>
    public const int MaxK = 100_000;

    private const int HeaderLength = 3;

    private readonly long[] _rankHistogram;
    private long _count;

    /// <summary>Creates an empty summary.</summary>
    /// <param name="k">The cut-off K, in [1, <see cref="MaxK"/>]; summaries merge only with equal K.</param>
    public RankingMetricSummary(int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, MaxK);
        _rankHistogram = new long[k];
    }

    /// <inheritdoc/>
    public MetricSummaryKind Kind => MetricSummaryKind.Ranking;

    /// <summary>The cut-off K: ranks 0 … K − 1 are hits.</summary>
    public int K => _rankHistogram.Length;

    /// <summary>The number of evaluated users (held-out items) added.</summary>
    public long Count => _count;

    /// <summary>Counts of held-out items at each rank 0 … K − 1, length <see cref="K"/>.</summary>
    public ReadOnlySpan<long> RankHistogram => _rankHistogram;

    /// <summary>The number of held-out items ranked below K.</summary>
    public long Hits
    {
        get
        {
            long hits = 0;
            foreach (var c in _rankHistogram)
            {
                hits += c;
            }

            return hits;
        }
    }

    /// <summary>HR@K: fraction of held-out items ranked below K, in [0, 1]; NaN when <see cref="Count"/> is 0.</summary>
    public double HitRate => _count == 0 ? double.NaN : (double)Hits / _count;

    /// <summary>NDCG@K: mean of 1/log₂(rank + 2) for ranks below K and 0 otherwise, in [0, 1]; NaN when <see cref="Count"/> is 0.</summary>
    public double Ndcg
    {
        get
        {
            if (_count == 0)
            {
                return double.NaN;
            }

            double gain = 0;
            for (var r = 0; r < _rankHistogram.Length; r++)
            {
                gain += _rankHistogram[r] / Math.Log2(r + 2);
            }

            return gain / _count;
        }
    }

    /// <inheritdoc/>
    public int WireLength => HeaderLength + K;

    /// <summary>Adds one evaluated user.</summary>
    /// <param name="rankOfHeldOutItem">0-based rank of the held-out item among all candidates (0 = top).</param>
    public void Add(int rankOfHeldOutItem)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rankOfHeldOutItem);
        AddUnchecked(rankOfHeldOutItem);
    }

    /// <summary>Adds a batch of evaluated users; allocates nothing.</summary>
    /// <param name="ranksOfHeldOutItems">0-based ranks, each non-negative.</param>
    /// <exception cref="ArgumentException">A rank is negative; nothing is added then.</exception>
    public void Add(ReadOnlySpan<int> ranksOfHeldOutItems)
    {
        for (var i = 0; i < ranksOfHeldOutItems.Length; i++)
        {
            if (ranksOfHeldOutItems[i] < 0)
            {
                throw new ArgumentException(
                    $"Ranks must be non-negative; got {ranksOfHeldOutItems[i]} at index {i}.", nameof(ranksOfHeldOutItems));
            }
        }

        foreach (var rank in ranksOfHeldOutItems)
        {
            AddUnchecked(rank);
        }
    }

    /// <summary>
    /// Ranks the held-out item against the other candidates and adds the result. Ties are pessimistic:
    /// the rank is the number of candidates scoring greater than or equal to the held-out item.
    /// </summary>
    /// <param name="heldOutScore">The model's score of the held-out item; higher ranks first.</param>
    /// <param name="candidateScores">Scores of the other candidates (for example sampled negatives), excluding the held-out item.</param>
    /// <returns>The 0-based rank that was added.</returns>
    /// <exception cref="ArgumentException">A score is NaN.</exception>
    public int AddFromScores(float heldOutScore, ReadOnlySpan<float> candidateScores)
    {
        if (float.IsNaN(heldOutScore))
        {
            throw new ArgumentException("The held-out score is NaN.", nameof(heldOutScore));
        }

        var rank = 0;
        for (var i = 0; i < candidateScores.Length; i++)
        {
            var score = candidateScores[i];
            if (float.IsNaN(score))
            {
                throw new ArgumentException($"The candidate score at index {i} is NaN.", nameof(candidateScores));
            }

            if (score >= heldOutScore)
            {
                rank++;
            }
        }

        AddUnchecked(rank);
        return rank;
    }

    /// <summary>Adds the content of <paramref name="other"/> to this summary.</summary>
    /// <param name="other">A summary with the same <see cref="K"/>.</param>
    /// <exception cref="ArgumentException">The cut-offs differ.</exception>
    public void Merge(RankingMetricSummary other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.K != K)
        {
            throw new ArgumentException(
                $"Cannot merge a ranking metric summary with K = {other.K} into one with K = {K}.", nameof(other));
        }

        for (var r = 0; r < _rankHistogram.Length; r++)
        {
            _rankHistogram[r] += other._rankHistogram[r];
        }

        _count += other._count;
    }

    /// <inheritdoc/>
    void IMetricSummary.Merge(IMetricSummary other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other is not RankingMetricSummary ranking)
        {
            throw new ArgumentException(
                $"Cannot merge a {other.Kind} metric summary into a {Kind} one.", nameof(other));
        }

        Merge(ranking);
    }

    /// <inheritdoc/>
    public void WriteTo(Span<double> destination)
    {
        SummaryWireReader.CheckWritable(_count, destination, WireLength, Kind);
        destination[0] = (double)MetricSummaryKind.Ranking;
        destination[1] = K;
        destination[2] = _count;
        for (var r = 0; r < _rankHistogram.Length; r++)
        {
            destination[HeaderLength + r] = _rankHistogram[r];
        }
    }

    /// <inheritdoc/>
    public double[] ToArray()
    {
        var values = new double[WireLength];
        WriteTo(values);
        return values;
    }

    /// <summary>Reads a summary from its wire form (see the remarks on <see cref="RankingMetricSummary"/>).</summary>
    /// <param name="values">The wire form: [3, K, count, K rank counts].</param>
    /// <exception cref="ArgumentException">
    /// Wrong kind or length; K outside [1, <see cref="MaxK"/>]; a count that is NaN, negative, fractional
    /// or above 2⁵³; or rank counts that add up to more than the count.
    /// </exception>
    public static RankingMetricSummary FromArray(ReadOnlySpan<double> values)
    {
        const string param = nameof(values);
        SummaryWireReader.CheckHeader(values, MetricSummaryKind.Ranking, HeaderLength, param);
        var k = SummaryWireReader.ReadSize(values, 1, "K", 1, MaxK, param);
        var summary = new RankingMetricSummary(k);
        SummaryWireReader.CheckLength(values, summary.WireLength, MetricSummaryKind.Ranking, param);
        var count = SummaryWireReader.ReadCount(values, 2, "count", param);
        long hits = 0;
        for (var r = 0; r < k; r++)
        {
            summary._rankHistogram[r] = SummaryWireReader.ReadCount(values, HeaderLength + r, "rank count", param);
            hits += summary._rankHistogram[r];
        }

        if (hits > count)
        {
            throw new ArgumentException($"The rank counts add up to {hits}, more than the count {count}.", param);
        }

        summary._count = count;
        return summary;
    }

    private void AddUnchecked(int rank)
    {
        _count++;
        if (rank < _rankHistogram.Length)
        {
            _rankHistogram[rank]++;
        }
    }
}
