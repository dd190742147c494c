using Federated.Model.Kernels;
using Federated.Model.Network;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using MathNet.Numerics.Random;

namespace Federated.Model.Tests.Network;

/// <summary>Every layer's backward pass against central finite differences of f = Σ c ⊙ output (c random).</summary>
public sealed class LayerGradientTests
{
    private static float[] RandomVector(int length, int seed, double scale = 1)
    {
        var random = new Xoshiro256StarStar(seed, threadSafe: false);
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = (float)(((random.NextDouble() * 2) - 1) * scale);
        }

        return values;
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }

    private static ParameterLayout MlpLayout() => ParameterLayout.FromSpec(new ModelSpec
    {
        Fields = [new FieldSpec { Name = "f", Dim = 3, Vocabulary = 4 }],
        Numeric = ["a", "b"],
        Trunk = new TrunkSpec { Kind = TrunkKind.SharedBottom, Hidden = [7, 6] },
        Tasks = [new TaskSpec { Name = "t", Tower = [4] }],
    });

    [Fact]
    public void DenseLayerBackward_RandomInput_MatchesFiniteDifferences()
    {
        var layout = MlpLayout();
        var parameters = ParameterSet.Initialize(layout, 1).Values;
        var layer = new DenseLayer(layout, TensorNames.Dense(TensorNames.Bottom, 0));
        const int n = 5;
        var x = RandomVector(n * layer.In, 2);
        var c = RandomVector(n * layer.Out, 3);
        var y = new float[n * layer.Out];
        double F()
        {
            layer.Forward(parameters, x, y, n);
            return Dot(c, y);
        }

        var gradients = new float[layout.DenseLength];
        var dx = new float[x.Length];
        layer.Backward(parameters, gradients, x, c, dx, accumulateDx: false, n);

        FiniteDifferences.AssertGradient(parameters, F, FiniteDifferences.Sample(layer.Weight.Offset, layer.Weight.Length, 20), i => gradients[i], "dW");
        FiniteDifferences.AssertGradient(parameters, F, FiniteDifferences.Sample(layer.Bias.Offset, layer.Bias.Length, 10), i => gradients[i], "db");
        FiniteDifferences.AssertGradient(x, F, FiniteDifferences.Sample(0, x.Length, 20), i => dx[i], "dx");
    }

    [Fact]
    public void DenseLayerBackward_AccumulateDx_AddsToExistingGradient()
    {
        var layout = MlpLayout();
        var parameters = ParameterSet.Initialize(layout, 1).Values;
        var layer = new DenseLayer(layout, TensorNames.Dense(TensorNames.Bottom, 0));
        const int n = 3;
        var x = RandomVector(n * layer.In, 2);
        var dy = RandomVector(n * layer.Out, 3);
        var fresh = new float[x.Length];
        layer.Backward(parameters, new float[layout.DenseLength], x, dy, fresh, accumulateDx: false, n);
        var accumulated = Enumerable.Repeat(1f, x.Length).ToArray();
        layer.Backward(parameters, new float[layout.DenseLength], x, dy, accumulated, accumulateDx: true, n);

        for (var i = 0; i < x.Length; i++)
        {
            Assert.Equal(fresh[i] + 1f, accumulated[i], 5);
        }
    }

    [Fact]
    public void MlpBackward_ReluLayersAndLinearOutput_MatchesFiniteDifferences()
    {
        var layout = MlpLayout();
        var parameters = ParameterSet.Initialize(layout, 4).Values;
        var mlp = Mlp.Create(layout, TensorNames.Tower("t"), 1, maxRows: 6, dropout: 0, TensorNames.TowerOutput("t"));
        const int n = 6;
        var x = RandomVector(n * mlp.InputWidth, 5);
        var c = RandomVector(n * mlp.OutputWidth, 6);
        double F()
        {
            mlp.Forward(parameters, x, n, null);
            return Dot(c, mlp.Output(n));
        }

        F();
        var gradients = new float[layout.DenseLength];
        var dx = new float[x.Length];
        mlp.Backward(parameters, gradients, x, (float[])c.Clone(), dx, accumulateDx: false, n);

        foreach (var tensor in layout.Tensors.Where(t => t.Name.StartsWith("tower/", StringComparison.Ordinal)))
        {
            FiniteDifferences.AssertGradient(parameters, F, FiniteDifferences.Sample(tensor.Offset, tensor.Length, 12), i => gradients[i], tensor.Name);
        }

        FiniteDifferences.AssertGradient(x, F, FiniteDifferences.Sample(0, x.Length, 24), i => dx[i], "dx");
    }

    [Fact]
    public void MlpForward_Dropout_ZeroesAboutRateAndRescalesKeptUnits()
    {
        var layout = MlpLayout();
        var parameters = ParameterSet.Initialize(layout, 4).Values;
        const int n = 200;
        var mlp = Mlp.Create(layout, TensorNames.Bottom, 2, maxRows: n, dropout: 0.5f);
        var x = RandomVector(n * mlp.InputWidth, 5);
        mlp.Forward(parameters, x, n, null);
        var clean = mlp.Output(n).ToArray();
        mlp.Forward(parameters, x, n, new DropoutMasks(0.5f, 9));
        var dropped = mlp.Output(n).ToArray();

        var zeros = dropped.Count(v => v == 0) - clean.Count(v => v == 0);
        Assert.InRange(zeros / (double)dropped.Length, 0.2, 0.6);
        mlp.Forward(parameters, x, n, null);
        Assert.Equal(clean, mlp.Output(n).ToArray());
    }

    [Fact]
    public void SoftmaxRowsBackward_RandomLogits_MatchesFiniteDifferences()
    {
        const int rows = 4;
        const int width = 5;
        var z = RandomVector(rows * width, 7, 2);
        var c = RandomVector(rows * width, 8);
        double F()
        {
            var p = (float[])z.Clone();
            Activations.SoftmaxRows(p, rows, width);
            return Dot(c, p);
        }

        var outputs = (float[])z.Clone();
        Activations.SoftmaxRows(outputs, rows, width);
        var gradient = (float[])c.Clone();
        Activations.SoftmaxRowsBackward(outputs, gradient, rows, width);

        FiniteDifferences.AssertGradient(z, F, Enumerable.Range(0, z.Length), i => gradient[i], "softmax");
        for (var r = 0; r < rows; r++)
        {
            Assert.Equal(1.0, outputs.AsSpan(r * width, width).ToArray().Sum(v => (double)v), 5);
        }
    }

    [Fact]
    public void ReluBackward_MixedSigns_PassesOnlyPositiveUnits()
    {
        float[] y = [1f, 0f, -2f, 3f, 0.5f, -0.1f, 0f, 7f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, -1f, 2f];
        var dy = Enumerable.Repeat(2f, y.Length).ToArray();
        Activations.ReluBackward(y, dy);
        for (var i = 0; i < y.Length; i++)
        {
            Assert.Equal(y[i] > 0 ? 2f : 0f, dy[i]);
        }
    }

    [Fact]
    public void EmbeddingInputScatter_SingleIdsAndBags_MatchesFiniteDifferences()
    {
        var spec = TestModels.Small(TrunkKind.SharedBottom);
        var layout = ParameterLayout.FromSpec(spec);
        var parameters = ParameterSet.Initialize(layout, 3).Values;
        var input = new EmbeddingInput(spec, layout);
        const int n = 10;
        var batch = TestModels.RandomBatch(spec, n, 11);
        var c = RandomVector(n * input.Width, 12);
        var x = new float[n * input.Width];
        double F()
        {
            input.Gather(parameters, batch, 0, n, x);
            return Dot(c, x);
        }

        var rows = spec.Fields.Select(f => new RowGradients(f.Rows, f.Dim, 4)).ToArray();
        var noOutputGradients = spec.Tasks.Select(_ => new float[n]).ToArray();
        input.Scatter(batch, 0, n, x, (float[])c.Clone(), noOutputGradients, rows);
        for (var f = 0; f < spec.Fields.Count; f++)
        {
            var table = layout[TensorNames.Embedding(spec.Fields[f].Name)];
            var gradient = new float[table.Length];
            for (var s = 0; s < rows[f].Count; s++)
            {
                rows[f].Values.Slice(s * table.Columns, table.Columns).CopyTo(gradient.AsSpan(rows[f].Rows[s] * table.Columns));
            }

            FiniteDifferences.AssertGradient(parameters, F, Enumerable.Range(table.Offset, table.Length), i => gradient[i - table.Offset], table.Name);
        }
    }

    [Theory]
    [InlineData(TaskKind.Binary)]
    [InlineData(TaskKind.Regression)]
    public void TaskLosses_RandomLogits_GradientMatchesFiniteDifferencesAndMasksMissing(TaskKind kind)
    {
        var logits = RandomVector(8, 13, 3);
        float[] labels = kind == TaskKind.Binary ? [1, 0, float.NaN, 1, 0, 0, 1, float.NaN] : [2.5f, -1, float.NaN, 0.3f, 4, 1, 0, float.NaN];
        double F()
        {
            var scratch = new float[logits.Length];
            return kind == TaskKind.Binary ? TaskLosses.Binary(logits, labels, 1, scratch) : TaskLosses.Regression(logits, labels, 1, scratch);
        }

        var gradient = new float[logits.Length];
        _ = kind == TaskKind.Binary ? TaskLosses.Binary(logits, labels, 1, gradient) : TaskLosses.Regression(logits, labels, 1, gradient);

        FiniteDifferences.AssertGradient(logits, F, Enumerable.Range(0, logits.Length), i => gradient[i], kind.ToString());
        Assert.Equal(0f, gradient[2]);
        Assert.Equal(0f, gradient[7]);
    }

    [Fact]
    public void TaskLossesEsmm_RandomLogits_GradientsOfBothTowersMatchFiniteDifferences()
    {
        var click = RandomVector(6, 14, 2);
        var conversion = RandomVector(6, 15, 2);
        float[] labels = [1, 0, 0, float.NaN, 1, 0];
        double F() => TaskLosses.Esmm(click, conversion, labels, 1, new float[6], new float[6]);
        var dClick = new float[6];
        var dConversion = new float[6];
        TaskLosses.Esmm(click, conversion, labels, 1, dClick, dConversion);

        FiniteDifferences.AssertGradient(click, F, Enumerable.Range(0, 6), i => dClick[i], "click");
        FiniteDifferences.AssertGradient(conversion, F, Enumerable.Range(0, 6), i => dConversion[i], "conversion");
    }

    [Theory]
    [InlineData(5f)]
    [InlineData(0.3f)]
    public void TaskLossesWeightedBinary_RandomLogits_GradientMatchesFiniteDifferences(float positiveWeight)
    {
        var logits = RandomVector(8, 16, 3);
        float[] labels = [1, 0, float.NaN, 1, 0, 0, 1, 0];
        double F() => TaskLosses.WeightedBinary(logits, labels, positiveWeight, 1, new float[8]);
        var gradient = new float[8];
        TaskLosses.WeightedBinary(logits, labels, positiveWeight, 1, gradient);

        FiniteDifferences.AssertGradient(logits, F, Enumerable.Range(0, 8), i => gradient[i], "weighted binary");
        Assert.Equal(0f, gradient[2]);
    }

    [Fact]
    public void TaskLossesWeightedBinary_WeightOne_EqualsUnweightedLoss()
    {
        var logits = RandomVector(8, 17, 3);
        float[] labels = [1, 0, float.NaN, 1, 0, 0, 1, 0];
        var weighted = new float[8];
        var plain = new float[8];

        var weightedLoss = TaskLosses.WeightedBinary(logits, labels, 1, 0.5f, weighted);
        var plainLoss = TaskLosses.Binary(logits, labels, 0.5f, plain);

        Assert.Equal(plainLoss, weightedLoss, 1e-9);
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(plain[i], weighted[i], 1e-6f);
        }
    }

    [Fact]
    public void TaskLossesWeightedBinary_PositiveWeight_ScalesOnlyPositiveExamples()
    {
        float[] logits = [0.4f, -0.2f];
        float[] labels = [1, 0];
        var plain = TaskLosses.Binary(logits.AsSpan(0, 1), labels.AsSpan(0, 1), 1, new float[1]);
        var negative = TaskLosses.Binary(logits.AsSpan(1), labels.AsSpan(1), 1, new float[1]);

        var weighted = TaskLosses.WeightedBinary(logits, labels, 4, 1, new float[2]);

        Assert.Equal((4 * plain) + negative, weighted, 1e-9);
    }

    [Fact]
    public void TaskLossesWeightedEsmm_RandomLogits_GradientsOfBothTowersMatchFiniteDifferences()
    {
        var click = RandomVector(6, 18, 2);
        var conversion = RandomVector(6, 19, 2);
        float[] labels = [1, 0, 0, float.NaN, 1, 0];
        double F() => TaskLosses.WeightedEsmm(click, conversion, labels, 6, 1, new float[6], new float[6]);
        var dClick = new float[6];
        var dConversion = new float[6];
        TaskLosses.WeightedEsmm(click, conversion, labels, 6, 1, dClick, dConversion);

        FiniteDifferences.AssertGradient(click, F, Enumerable.Range(0, 6), i => dClick[i], "click");
        FiniteDifferences.AssertGradient(conversion, F, Enumerable.Range(0, 6), i => dConversion[i], "conversion");
    }
}
