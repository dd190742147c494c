using Federated.Model.Metrics;

namespace Federated.Model.Tests.Metrics;

public sealed class MetricSummaryWireTests
{
    public static TheoryData<string> Kinds => new() { "binary", "regression", "ranking" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void FromArray_WireFormOfFilledSummary_RoundTripsExactly(string kind)
    {
        var summary = Filled(kind);

        var wire = summary.ToArray();
        var restored = MetricSummaryCodec.FromArray(wire);

        Assert.Equal(summary.Kind, restored.Kind);
        Assert.Equal((double)summary.Kind, wire[0]);
        Assert.Equal(summary.Count, restored.Count);
        Assert.Equal(summary.WireLength, wire.Length);
        Assert.Equal(wire, restored.ToArray());
    }

    [Fact]
    public void FromArray_BinaryWireForm_PreservesMetrics()
    {
        var summary = (BinaryMetricSummary)Filled("binary");

        var restored = BinaryMetricSummary.FromArray(summary.ToArray());

        Assert.Equal(summary.Auc, restored.Auc);
        Assert.Equal(summary.LogLoss, restored.LogLoss);
        Assert.Equal(summary.BinCount, restored.BinCount);
    }

    [Fact]
    public void FromArray_EmptySummaries_RoundTrip()
    {
        IMetricSummary[] empties = [new BinaryMetricSummary(16), new RegressionMetricSummary(), new RankingMetricSummary(3)];

        foreach (var empty in empties)
        {
            Assert.Equal(empty.ToArray(), MetricSummaryCodec.FromArray(empty.ToArray()).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Merge_ThroughInterfaceAfterWire_AddsCounts(string kind)
    {
        IMetricSummary total = MetricSummaryCodec.FromArray(Filled(kind).ToArray());

        total.Merge(MetricSummaryCodec.FromArray(Filled(kind).ToArray()));

        Assert.Equal(2 * Filled(kind).Count, total.Count);
    }

    [Fact]
    public void Merge_ThroughInterfaceDifferentKinds_Throws()
    {
        IMetricSummary binary = new BinaryMetricSummary();

        var error = Assert.Throws<ArgumentException>(() => binary.Merge(new RegressionMetricSummary()));
        Assert.Contains("Regression", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteTo_ShortDestination_Throws()
    {
        var summary = new RegressionMetricSummary();

        Assert.Throws<ArgumentException>(() => summary.WriteTo(new double[5]));
    }

    [Fact]
    public void FromArray_WrongLength_ThrowsNamingLengths()
    {
        var wire = new BinaryMetricSummary(10).ToArray();

        var error = Assert.Throws<ArgumentException>(() => BinaryMetricSummary.FromArray(wire.AsSpan(0, wire.Length - 1)));
        Assert.Contains("25", error.Message, StringComparison.Ordinal);
        Assert.Contains("24", error.Message, StringComparison.Ordinal);
        Assert.Equal("values", error.ParamName);
    }

    [Theory]
    [InlineData("binary", 2, -1.0)]
    [InlineData("binary", 2, double.NaN)]
    [InlineData("binary", 2, 1.5)]
    [InlineData("binary", 4, double.NaN)]
    [InlineData("binary", 4, double.PositiveInfinity)]
    [InlineData("binary", 4, -0.5)]
    [InlineData("binary", 7, -1.0)]
    [InlineData("binary", 1, 1.0)]
    [InlineData("regression", 1, -3.0)]
    [InlineData("regression", 1, 1e17)]
    [InlineData("regression", 2, double.NaN)]
    [InlineData("regression", 2, -1.0)]
    [InlineData("regression", 4, double.NegativeInfinity)]
    [InlineData("ranking", 1, 0.0)]
    [InlineData("ranking", 2, -1.0)]
    [InlineData("ranking", 3, double.NaN)]
    public void FromArray_InvalidElement_ThrowsNamingElement(string kind, int index, double value)
    {
        var wire = Filled(kind).ToArray();
        wire[index] = value;

        var error = Assert.Throws<ArgumentException>(() => MetricSummaryCodec.FromArray(wire));
        Assert.Equal("values", error.ParamName);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void FromArray_HistogramsDisagreeWithCounts_Throws()
    {
        var wire = new BinaryMetricSummary(10).ToArray();
        wire[2] = 1;
        wire[3] = 1;

        var error = Assert.Throws<ArgumentException>(() => BinaryMetricSummary.FromArray(wire));
        Assert.Contains("histograms", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromArray_RankCountsExceedCount_Throws()
    {
        double[] wire = [3, 2, 1, 1, 1];

        Assert.Throws<ArgumentException>(() => RankingMetricSummary.FromArray(wire));
    }

    [Fact]
    public void FromArray_RegressionSumsWithZeroCount_Throws()
    {
        double[] wire = [2, 0, 1, 0, 0, 0];

        Assert.Throws<ArgumentException>(() => RegressionMetricSummary.FromArray(wire));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(4.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void FromArray_UnknownKind_Throws(double kind)
    {
        double[] wire = [kind, 0, 0, 0, 0, 0];

        var error = Assert.Throws<ArgumentException>(() => MetricSummaryCodec.FromArray(wire));
        Assert.Contains("kind", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromArray_KindOfAnotherType_Throws()
    {
        var wire = new RegressionMetricSummary().ToArray();

        Assert.Throws<ArgumentException>(() => BinaryMetricSummary.FromArray(wire));
        Assert.Throws<ArgumentException>(() => RankingMetricSummary.FromArray(wire));
    }

    [Fact]
    public void FromArray_Empty_Throws()
    {
        Assert.Throws<ArgumentException>(() => MetricSummaryCodec.FromArray([]));
        Assert.Throws<ArgumentException>(() => RegressionMetricSummary.FromArray([]));
    }

    private static IMetricSummary Filled(string kind)
    {
        switch (kind)
        {
            case "binary":
                var (probabilities, labels) = ScoredExamples.Binary(21, 500, missingRate: 0.1);
                var binary = new BinaryMetricSummary(binCount: 50);
                binary.Add(probabilities, labels);
                return binary;
            case "regression":
                var (predictions, values) = ScoredExamples.Regression(22, 500);
                var regression = new RegressionMetricSummary();
                regression.Add(predictions, values);
                return regression;
            default:
                var ranking = new RankingMetricSummary(k: 5);
                ranking.Add([0, 1, 1, 3, 8, 20]);
                return ranking;
        }
    }
}
