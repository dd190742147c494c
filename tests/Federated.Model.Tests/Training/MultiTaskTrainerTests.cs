using Federated.Model.Metrics;
using Federated.Model.Optimization;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Tests.Network;
using Federated.Model.Training;

namespace Federated.Model.Tests.Training;

public sealed class MultiTaskTrainerTests
{
    private static (BinaryMetricSummary Click, RegressionMetricSummary Rating) Evaluate(MultiTaskTrainer trainer, ModelSpec spec, SyntheticTwoTask data, int batches)
    {
        var batch = new Batch(spec, 256);
        var predictions = new[] { new float[256], new float[256] };
        var click = new BinaryMetricSummary();
        var rating = new RegressionMetricSummary();
        for (var b = 0; b < batches; b++)
        {
            data.Fill(batch, 256);
            trainer.Predict(batch, predictions);
            click.Add(predictions[0], batch.Labels(0)[..256]);
            rating.Add(predictions[1], batch.Labels(1)[..256]);
        }

        return (click, rating);
    }

    [Theory]
    [InlineData(TrunkKind.SharedBottom)]
    [InlineData(TrunkKind.Mmoe)]
    [InlineData(TrunkKind.Ple)]
    public void Step_SyntheticTwoTaskData_LearnsBothTasks(TrunkKind kind)
    {
        var spec = SyntheticTwoTask.Spec(kind);
        var parameters = ParameterSet.Initialize(spec, 5);
        using var trainer = new MultiTaskTrainer(spec, parameters, new TrainerOptions { Optimizer = new OptimizerOptions { LearningRate = 0.02f } });
        var data = new SyntheticTwoTask(seed: 6);
        var batch = new Batch(spec, 256);
        for (var step = 0; step < 400; step++)
        {
            data.Fill(batch, 256);
            trainer.Step(batch);
        }

        var (click, rating) = Evaluate(trainer, spec, data, 8);

        Console.WriteLine($"{kind}: click AUC {click.Auc:F3}, rating RMSE {rating.Rmse:F3} (label std {rating.LabelStandardDeviation:F3})");
        Assert.True(click.Auc > 0.75, $"click AUC {click.Auc:F3}");
        Assert.True(rating.Rmse < 0.6 * rating.LabelStandardDeviation, $"rating RMSE {rating.Rmse:F3} vs label std {rating.LabelStandardDeviation:F3}");
    }

    [Fact]
    public void Step_PositiveWeight_TrainsTowardsMorePositivePredictionsWithSimilarRanking()
    {
        BinaryMetricSummary Train(float? positiveWeight)
        {
            var plain = SyntheticTwoTask.Spec(TrunkKind.SharedBottom);
            var spec = plain with { Tasks = [plain.Tasks[0] with { PositiveWeight = positiveWeight }, plain.Tasks[1]] };
            using var trainer = new MultiTaskTrainer(spec, ParameterSet.Initialize(spec, 5), new TrainerOptions { Optimizer = new OptimizerOptions { LearningRate = 0.02f } });
            var data = new SyntheticTwoTask(seed: 6);
            var batch = new Batch(spec, 256);
            for (var step = 0; step < 150; step++)
            {
                data.Fill(batch, 256);
                trainer.Step(batch);
            }

            return Evaluate(trainer, spec, data, 4).Click;
        }

        var plain = Train(null);
        var weighted = Train(4f);

        // With weight w the loss is minimised by odds w times the true odds: at a base rate near ½, p ≈ 0.8 instead of 0.5.
        Assert.InRange(plain.MeanPrediction - plain.PositiveRate, -0.05, 0.05);
        Assert.True(weighted.MeanPrediction > plain.MeanPrediction + 0.15, $"mean prediction {plain.MeanPrediction:F3} → {weighted.MeanPrediction:F3}");
        Assert.True(weighted.Recall(0.5) > plain.Recall(0.5), $"recall {plain.Recall(0.5):F3} → {weighted.Recall(0.5):F3}");
        Assert.InRange(weighted.Auc - plain.Auc, -0.03, 0.03);
    }

    [Fact]
    public void Step_SameSeed_SameParametersBitForBit()
    {
        float[] Train()
        {
            var spec = TestModels.Small(TrunkKind.Ple, esmm: true, uncertainty: true, l2: 1e-3f, dropout: 0.2f);
            var parameters = ParameterSet.Initialize(spec, 8);
            using var trainer = new MultiTaskTrainer(spec, parameters, new TrainerOptions { MaxBatchSize = 32, Threads = 2, Seed = 3 });
            for (var step = 0; step < 20; step++)
            {
                trainer.Step(TestModels.RandomBatch(spec, 32, 100 + step));
            }

            return parameters.Values;
        }

        Assert.Equal(Train(), Train());
    }

    [Fact]
    public void Step_TwoThreads_MatchesOneThreadWithinTolerance()
    {
        float[] Train(int threads)
        {
            var spec = TestModels.Small(TrunkKind.Mmoe, esmm: true);
            var parameters = ParameterSet.Initialize(spec, 8);
            using var trainer = new MultiTaskTrainer(spec, parameters, new TrainerOptions { MaxBatchSize = 40, Threads = threads });
            for (var step = 0; step < 10; step++)
            {
                trainer.Step(TestModels.RandomBatch(spec, 37, 200 + step));
            }

            return parameters.Values;
        }

        var one = Train(1);
        var two = Train(2);
        for (var i = 0; i < one.Length; i++)
        {
            Assert.True(Math.Abs(one[i] - two[i]) <= 1e-5 + (1e-4 * Math.Abs(one[i])), $"index {i}: {one[i]} vs {two[i]}");
        }
    }

    [Fact]
    public void Step_UncertaintyL2AndProximalTerms_GradientMatchesFiniteDifferences()
    {
        var spec = TestModels.Small(TrunkKind.Mmoe, uncertainty: true, l2: 0.05f);
        var start = TestModels.RandomParameters(spec, 31);
        var reference = TestModels.RandomParameters(spec, 32);
        const float mu = 0.3f;
        var batch = TestModels.RandomBatch(spec, 10, 33);
        var layout = start.Layout;
        var rowsInBatch = new HashSet<(int Field, int Row)>();
        for (var f = 0; f < spec.Fields.Count; f++)
        {
            var ids = spec.Fields[f].MultiValued ? batch.Ids(f)[..batch.BagOffsets(f)[batch.Count]] : batch.Ids(f)[..batch.Count];
            foreach (var id in ids)
            {
                rowsInBatch.Add((f, id));
            }
        }

        // SGD with learning rate 1: one step moves θ by exactly −∇J.
        var stepped = start.Clone();
        using (var trainer = new MultiTaskTrainer(spec, stepped, new TrainerOptions { Optimizer = new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = 1f }, MaxBatchSize = 10 }))
        {
            trainer.SetProximalTerm(reference, mu);
            trainer.Step(batch);
        }

        var probe = start.Clone();
        using var evaluator = new MultiTaskTrainer(spec, probe, new TrainerOptions { MaxBatchSize = 10 });
        double Objective()
        {
            var j = evaluator.EvaluateLoss(batch);
            foreach (var tensor in layout.Tensors)
            {
                var values = probe[tensor];
                var anchor = reference[tensor];
                for (var i = 0; i < values.Length; i++)
                {
                    var row = tensor.Kind == TensorKind.Embedding ? i / tensor.Columns : -1;
                    var field = tensor.Kind == TensorKind.Embedding ? spec.FieldIndex(tensor.Name["emb/".Length..]) : -1;
                    var inBatch = tensor.Kind != TensorKind.Embedding || rowsInBatch.Contains((field, row));
                    if (spec.L2 > 0 && inBatch && tensor.Kind != TensorKind.Bias)
                    {
                        j += 0.5 * spec.L2 * values[i] * values[i];
                    }

                    if (tensor.Scope == ParameterScope.Shared && inBatch)
                    {
                        var d = (double)values[i] - anchor[i];
                        j += 0.5 * mu * d * d;
                    }
                }
            }

            return j;
        }

        foreach (var tensor in layout.Tensors)
        {
            FiniteDifferences.AssertGradient(probe.Values, Objective, FiniteDifferences.Sample(tensor.Offset, tensor.Length, 6), i => start.Values[i] - stepped.Values[i], tensor.Name);
        }
    }

    [Fact]
    public void Step_EmbeddingTables_OnlyRowsInTheBatchChangeAndAreReportedTouched()
    {
        var spec = TestModels.Small(TrunkKind.SharedBottom);
        var parameters = ParameterSet.Initialize(spec, 9);
        var before = parameters.Clone();
        using var trainer = new MultiTaskTrainer(spec, parameters, new TrainerOptions { MaxBatchSize = 4 });
        var batch = TestModels.RandomBatch(spec, 4, 10);
        trainer.Step(batch);

        var item = spec.FieldIndex("item");
        var table = parameters.Layout[TensorNames.Embedding("item")];
        var touched = trainer.TouchedRows(item);
        var expected = batch.Ids(item)[..4].ToArray().Distinct().Order().ToArray();
        Assert.Equal(expected, touched.ToArray());
        for (var row = 0; row < table.Rows; row++)
        {
            var changed = !parameters[table].Slice(row * table.Columns, table.Columns).SequenceEqual(before[table].Slice(row * table.Columns, table.Columns));
            Assert.Equal(touched.Contains(row), changed);
        }

        trainer.ClearTouchedRows();
        Assert.Equal(0, trainer.TouchedRows(item).Count);
    }

    [Fact]
    public void Step_TaskWithoutLabels_ReportsNaNLossAndLeavesItsTowerUnchanged()
    {
        var spec = TestModels.Small(TrunkKind.Mmoe);
        var parameters = ParameterSet.Initialize(spec, 9);
        var before = parameters.Clone();
        using var trainer = new MultiTaskTrainer(spec, parameters, new TrainerOptions { MaxBatchSize = 8, Optimizer = new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = 0.1f } });
        var batch = TestModels.RandomBatch(spec, 8, 12);
        batch.Labels(2)[..8].Fill(float.NaN);
        var losses = new double[3];

        trainer.Step(batch, losses);

        Assert.True(double.IsNaN(losses[2]));
        Assert.False(double.IsNaN(losses[0]));
        var tower = parameters.Layout[TensorNames.Weight(TensorNames.TowerOutput("rating"))];
        Assert.True(parameters[tower].SequenceEqual(before[tower]));
    }

    [Fact]
    public void Step_IdOutOfRange_ThrowsNamingFieldAndExample()
    {
        var spec = TestModels.Small(TrunkKind.SharedBottom);
        using var trainer = new MultiTaskTrainer(spec, ParameterSet.Initialize(spec, 1), new TrainerOptions { MaxBatchSize = 4 });
        var batch = TestModels.RandomBatch(spec, 3, 1);
        batch.SetId(1, 0, 99);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Step(batch));
        Assert.Contains("field 'item'", error.Message, StringComparison.Ordinal);
        Assert.Contains("example 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Step_BatchOfAnEqualSpecLoadedSeparately_IsAccepted_OtherColumnsRejected()
    {
        var spec = ModelSpec.FromJson(TestModels.Small(TrunkKind.Mmoe).ToJson());
        var twin = ModelSpec.FromJson(spec.ToJson());
        using var trainer = new MultiTaskTrainer(spec, ParameterSet.Initialize(spec, 1), new TrainerOptions { MaxBatchSize = 8 });

        trainer.Step(TestModels.RandomBatch(twin, 8, 2));

        var other = TestModels.Small(TrunkKind.Mmoe) with { Numeric = ["x0"] };
        Assert.Throws<ArgumentException>(() => trainer.Step(TestModels.RandomBatch(other, 8, 2)));
    }

    [Fact]
    public void Constructor_ParametersOfAnotherSpec_Throws()
    {
        var spec = TestModels.Small(TrunkKind.SharedBottom);
        var other = ParameterSet.Initialize(TestModels.Small(TrunkKind.Mmoe), 1);
        Assert.Throws<ArgumentException>(() => new MultiTaskTrainer(spec, other, new TrainerOptions()));
    }

    [Fact]
    public void Constructor_CompiledModel_TrainsBitForBitLikeTheSpecConstructor()
    {
        var spec = TestModels.Small(TrunkKind.Ple, uncertainty: true);
        var model = CompiledModel.Compile(spec);
        var fromSpec = ParameterSet.Initialize(spec, 2);
        var fromModel = model.Initialize(2);
        var options = new TrainerOptions { MaxBatchSize = 8, Seed = 4 };
        using (var a = new MultiTaskTrainer(spec, fromSpec, options))
        using (var b = new MultiTaskTrainer(model, fromModel, options))
        {
            a.Step(TestModels.RandomBatch(spec, 8, 5));
            b.Step(TestModels.RandomBatch(spec, 8, 5));
        }

        Assert.Equal(fromSpec.Values.Select(BitConverter.SingleToInt32Bits), fromModel.Values.Select(BitConverter.SingleToInt32Bits));
        Assert.Throws<ArgumentException>(() => new MultiTaskTrainer(model, model.InitializeShared(2), options));
    }
}
