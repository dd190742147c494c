using Federated.Model.Explanation;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Tests.Network;
using Federated.Model.Training;

namespace Federated.Model.Tests.Explanation;

public sealed class ModelExplainerTests
{
    public static TheoryData<string> Specs => ["shared-bottom", "mmoe", "ple", "mmoe-esmm", "mmoe-dot", "shared-bottom-product", "ple-product"];

    /// <summary>
    /// Gradient × input of a field equals dо/dα at α = 1 when the field's looked-up rows of one example are scaled by α,
    /// estimated by central differences of the explainer's own forward output.
    /// </summary>
    [Theory]
    [MemberData(nameof(Specs))]
    public void Explain_FieldAttributions_EqualDerivativeOfTheOutputByAScaleOfTheFieldsRows(string name)
    {
        var spec = Spec(name);
        var model = CompiledModel.Compile(spec);
        var parameters = TestModels.RandomParameters(spec, 31);
        const int n = 6;
        var batch = TestModels.RandomBatch(spec, n, 32);
        var explainer = new ModelExplainer(model, maxRows: 4); // below n: the chunking is exercised too

        var explanation = explainer.Explain(parameters, batch);

        var checkedCount = 0;
        for (var i = 0; i < n; i++)
        {
            for (var f = 0; f < spec.Fields.Count; f++)
            {
                var rows = RowsOf(spec, batch, f, i);
                for (var t = 0; t < spec.Tasks.Count; t++)
                {
                    var analytic = explanation.FieldAttributions(t, i)[f];
                    var estimates = new List<double>();
                    var matched = false;
                    for (var h = 1e-2; h >= 2.5e-3 && !matched; h /= 2)
                    {
                        var up = ScaledOutput(explainer, parameters, batch, spec, f, rows, 1 + h, t, i);
                        var down = ScaledOutput(explainer, parameters, batch, spec, f, rows, 1 - h, t, i);
                        var numeric = (up - down) / (2 * h);
                        estimates.Add(numeric);
                        matched = Math.Abs(numeric - analytic) <= 1e-3 + (2e-2 * Math.Abs(numeric));
                    }

                    Assert.True(matched, $"{name}: example {i}, field {spec.Fields[f].Name}, task {spec.Tasks[t].Name}: gradient × input {analytic:G6} vs d o/dα {string.Join(" / ", estimates)}");
                    checkedCount++;
                }
            }
        }

        Assert.Equal(n * spec.Fields.Count * spec.Tasks.Count, checkedCount);
    }

    [Theory]
    [InlineData("mmoe")]
    [InlineData("ple")]
    public void Explain_GateWeights_NonNegativeAndSumToOnePerTaskAndLevel(string name)
    {
        var spec = Spec(name);
        var parameters = TestModels.RandomParameters(spec, 41);
        var batch = TestModels.RandomBatch(spec, 5, 42);

        var explanation = new ModelExplainer(CompiledModel.Compile(spec)).Explain(parameters, batch, attributions: false);

        Assert.Equal(name == "ple" ? 2 : 1, explanation.Levels);
        for (var t = 0; t < spec.Tasks.Count; t++)
        {
            for (var level = 0; level < explanation.Levels; level++)
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    var weights = explanation.GateWeights(t, i, level);
                    Assert.Equal(explanation.Experts(t).Count, weights.Length);
                    Assert.All(weights.ToArray(), w => Assert.InRange(w, 0f, 1f));
                    Assert.Equal(1.0, weights.ToArray().Sum(w => (double)w), 5);
                }
            }
        }
    }

    /// <summary>The MMoE gate of each task is softmax(x·W_t + b_t) of the concatenated input, computed here by hand.</summary>
    [Fact]
    public void Explain_MmoeGateWeights_EqualTheSoftmaxOfTheGateOnTheInput()
    {
        var spec = Spec("mmoe");
        var parameters = TestModels.RandomParameters(spec, 51);
        var batch = TestModels.RandomBatch(spec, 4, 52);

        var explanation = new ModelExplainer(CompiledModel.Compile(spec)).Explain(parameters, batch, attributions: false);

        for (var i = 0; i < batch.Count; i++)
        {
            var x = Input(spec, parameters, batch, i);
            for (var t = 0; t < spec.Tasks.Count; t++)
            {
                var w = parameters[TensorNames.Weight(TensorNames.MmoeGate(spec.Tasks[t].Name))];
                var b = parameters[TensorNames.Bias(TensorNames.MmoeGate(spec.Tasks[t].Name))];
                var experts = b.Length;
                var logits = new double[experts];
                for (var k = 0; k < experts; k++)
                {
                    logits[k] = b[k];
                    for (var j = 0; j < x.Length; j++)
                    {
                        logits[k] += x[j] * w[(j * experts) + k];
                    }
                }

                var max = logits.Max();
                var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
                var weights = explanation.GateWeights(t, i);
                for (var k = 0; k < experts; k++)
                {
                    Assert.Equal(exp[k] / exp.Sum(), weights[k], 5);
                }
            }
        }
    }

    [Fact]
    public void Explain_SharedBottom_HasNoGates()
    {
        var spec = Spec("shared-bottom");
        var explainer = new ModelExplainer(CompiledModel.Compile(spec));

        var explanation = explainer.Explain(TestModels.RandomParameters(spec, 61), TestModels.RandomBatch(spec, 2, 62), attributions: false);

        Assert.False(explainer.HasGates);
        Assert.Equal(0, explanation.Levels);
        Assert.Empty(explanation.Experts(0));
        Assert.Throws<InvalidOperationException>(() => explanation.GateWeights(0, 0).Length);
        Assert.Throws<InvalidOperationException>(() => explanation.FieldAttributions(0, 0).Length);
    }

    /// <summary>The explainer's outputs are the trainer's predictions before the link: the same model, not a look-alike.</summary>
    [Theory]
    [InlineData("mmoe")]
    [InlineData("shared-bottom-product")]
    public void Explain_Outputs_AreTheTrainersPredictionsBeforeTheLink(string name)
    {
        var spec = Spec(name);
        var parameters = TestModels.RandomParameters(spec, 71);
        var batch = TestModels.RandomBatch(spec, 7, 72);
        var predictions = spec.Tasks.Select(_ => new float[7]).ToArray();
        using (var trainer = new MultiTaskTrainer(spec, parameters, new TrainerOptions { MaxBatchSize = 7 }))
        {
            trainer.Predict(batch, predictions);
        }

        var explanation = new ModelExplainer(CompiledModel.Compile(spec)).Explain(parameters, batch, attributions: false);

        for (var t = 0; t < spec.Tasks.Count; t++)
        {
            for (var i = 0; i < 7; i++)
            {
                var output = explanation.Outputs(t)[i];
                var expected = spec.Tasks[t].Kind == TaskKind.Binary ? 1 / (1 + Math.Exp(-output)) : output;
                Assert.Equal(expected, predictions[t][i], 5);
            }
        }
    }

    [Fact]
    public void Explain_ParametersOfAnotherModel_ArgumentException()
    {
        var spec = Spec("mmoe");
        var other = Spec("ple");

        var error = Assert.Throws<ArgumentException>(() => new ModelExplainer(CompiledModel.Compile(spec)).Explain(ParameterSet.Initialize(other, 1), TestModels.RandomBatch(spec, 1, 1)));

        Assert.Contains("layout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TopFields_Attributions_RankedByMagnitudeWithTheirSign()
    {
        var spec = Spec("mmoe-dot");
        var parameters = TestModels.RandomParameters(spec, 81);
        var batch = TestModels.RandomBatch(spec, 3, 82);
        var explanation = new ModelExplainer(CompiledModel.Compile(spec)).Explain(parameters, batch);

        var top = explanation.TopFields(2, 1, 2);

        var all = explanation.FieldAttributions(2, 1).ToArray();
        var largest = all.Select((a, f) => (a, f)).OrderByDescending(p => Math.Abs(p.a)).First();
        Assert.Equal(2, top.Count);
        Assert.Equal(spec.Fields[largest.f].Name, top[0].Field);
        Assert.Equal(largest.a, top[0].Attribution);
        Assert.True(Math.Abs(top[0].Attribution) >= Math.Abs(top[1].Attribution));
    }

    private static ModelSpec Spec(string name) => name switch
    {
        "shared-bottom" => TestModels.Small(TrunkKind.SharedBottom),
        "mmoe" => TestModels.Small(TrunkKind.Mmoe),
        "ple" => TestModels.Small(TrunkKind.Ple),
        "mmoe-esmm" => TestModels.Small(TrunkKind.Mmoe, esmm: true),
        "mmoe-dot" => TestModels.Factorised(TrunkKind.Mmoe, InteractionKind.Dot),
        "shared-bottom-product" => TestModels.Factorised(TrunkKind.SharedBottom, InteractionKind.Product),
        "ple-product" => TestModels.Factorised(TrunkKind.Ple, InteractionKind.Product, esmm: true),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>The distinct rows field f looks up for example i (a bag's tokens, or the single id).</summary>
    private static int[] RowsOf(ModelSpec spec, Batch batch, int f, int i)
    {
        if (!spec.Fields[f].MultiValued)
        {
            return [batch.Ids(f)[i]];
        }

        var offsets = batch.BagOffsets(f);
        return [.. batch.Ids(f)[offsets[i]..offsets[i + 1]].ToArray().Distinct()];
    }

    private static double ScaledOutput(ModelExplainer explainer, ParameterSet parameters, Batch batch, ModelSpec spec, int f, int[] rows, double alpha, int task, int example)
    {
        var scaled = parameters.Clone();
        var field = spec.Fields[f];
        var table = scaled[TensorNames.Embedding(field.Name)];
        foreach (var row in rows)
        {
            // The whole row: its embedding and any per-row bias columns.
            for (var c = 0; c < field.Columns; c++)
            {
                table[(row * field.Columns) + c] = (float)(table[(row * field.Columns) + c] * alpha);
            }
        }

        return explainer.Explain(scaled, batch, attributions: false).Outputs(task)[example];
    }

    /// <summary>x = concat(pooled field embeddings, numeric) of example i (the test specs have no product column).</summary>
    private static double[] Input(ModelSpec spec, ParameterSet parameters, Batch batch, int i)
    {
        var x = new List<double>();
        for (var f = 0; f < spec.Fields.Count; f++)
        {
            var field = spec.Fields[f];
            var table = parameters[TensorNames.Embedding(field.Name)].ToArray();
            var rows = field.MultiValued ? batch.Ids(f)[batch.BagOffsets(f)[i]..batch.BagOffsets(f)[i + 1]].ToArray() : [batch.Ids(f)[i]];
            for (var d = 0; d < field.Dim; d++)
            {
                x.Add(rows.Length == 0 ? 0 : rows.Average(r => (double)table[(r * field.Columns) + d]));
            }
        }

        for (var j = 0; j < spec.Numeric.Count; j++)
        {
            x.Add(batch.Numeric[(i * spec.Numeric.Count) + j]);
        }

        return [.. x];
    }
}
