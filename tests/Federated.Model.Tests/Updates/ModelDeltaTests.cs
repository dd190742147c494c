using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Tests.Network;
using Federated.Model.Training;
using Federated.Model.Updates;

namespace Federated.Model.Tests.Updates;

public sealed class ModelDeltaTests
{
    private static (ParameterSet Before, ParameterSet After, RowSet Rows) Trained()
    {
        var spec = TestModels.Small(TrunkKind.Mmoe);
        var before = ParameterSet.Initialize(spec, 1);
        var after = before.Clone();
        using var trainer = new MultiTaskTrainer(spec, after, new TrainerOptions { MaxBatchSize = 6 });
        trainer.Step(TestModels.RandomBatch(spec, 6, 2));
        return (before, after, trainer.TouchedRows(spec.FieldIndex("item")));
    }

    [Fact]
    public void Compute_SharedScope_CarriesOnlySharedTensorsAndAppliesBack()
    {
        var (before, after, _) = Trained();
        var delta = ModelDelta.Compute(before, after);

        Assert.All(delta.Tensors, t => Assert.Equal(ParameterScope.Shared, before.Layout[t.Name].Scope));
        Assert.DoesNotContain(delta.Tensors, t => t.Name == "emb/user" || t.Name.StartsWith("tower/click", StringComparison.Ordinal));
        delta.Validate(before.Layout);

        var rebuilt = before.Clone();
        delta.ApplyTo(rebuilt);
        foreach (var tensor in before.Layout.InScope(ParameterScope.Shared))
        {
            var expected = after[tensor].ToArray();
            var actual = rebuilt[tensor].ToArray();
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i], actual[i], 5);
            }
        }
    }

    [Fact]
    public void Compute_TouchedRows_SendsOnlyThoseRowsAndTheSameNorm()
    {
        var (before, after, rows) = Trained();
        var dense = ModelDelta.Compute(before, after);
        var sparse = ModelDelta.Compute(before, after, touchedRows: new Dictionary<string, RowSet> { ["emb/item"] = rows });

        var table = sparse.Tensors.Single(t => t.Name == "emb/item");
        Assert.True(table.IsSparse);
        Assert.Equal(rows.ToArray(), table.Rows);
        Assert.Equal(dense.L2Norm(), sparse.L2Norm(), 5);
        sparse.Validate(before.Layout);
    }

    [Fact]
    public void ClipTo_LargeDelta_ScalesNormToTheBound()
    {
        var (before, after, _) = Trained();
        var delta = ModelDelta.Compute(before, after);
        var norm = delta.L2Norm();

        var factor = delta.ClipTo(norm / 4);

        Assert.InRange(factor, 0.2499, 0.25);
        Assert.True(delta.L2Norm() <= norm / 4);
        delta.Validate(before.Layout, clipBound: norm / 4);
        Assert.Equal(1, delta.ClipTo(norm));
    }

    [Fact]
    public void Validate_EachDefect_ReportsItsReasonAndNamesTheTensor()
    {
        var (before, after, rows) = Trained();
        var layout = before.Layout;
        ModelDelta Fresh() => ModelDelta.Compute(before, after, touchedRows: new Dictionary<string, RowSet> { ["emb/item"] = rows });
        DeltaValidationException Fails(ModelDelta delta, double? bound = null) => Assert.Throws<DeltaValidationException>(() => delta.Validate(layout, clipBound: bound));

        var missing = Fresh();
        Assert.Equal(DeltaValidationError.MissingTensor, Fails(new ModelDelta(missing.Tensors.Skip(1).ToList())).Error);

        var local = Fresh().Tensors.Append(new TensorDelta("emb/user", new float[layout["emb/user"].Length])).ToList();
        var localError = Fails(new ModelDelta(local));
        Assert.Equal(DeltaValidationError.UnexpectedTensor, localError.Error);
        Assert.Contains("emb/user", localError.Message, StringComparison.Ordinal);

        var unknown = Fresh().Tensors.Append(new TensorDelta("nope", [1f])).ToList();
        Assert.Equal(DeltaValidationError.UnexpectedTensor, Fails(new ModelDelta(unknown)).Error);

        var shape = Fresh().Tensors.Select(t => t.Name == "gate/click/w" ? t with { Values = new float[3] } : t).ToList();
        Assert.Equal(DeltaValidationError.WrongShape, Fails(new ModelDelta(shape)).Error);

        var outOfRange = Fresh().Tensors.Select(t => t.IsSparse ? t with { Rows = [.. t.Rows!.SkipLast(1), 20] } : t).ToList();
        Assert.Equal(DeltaValidationError.RowOutOfRange, Fails(new ModelDelta(outOfRange)).Error);

        var nan = Fresh();
        nan.Tensors[0].Values[0] = float.NaN;
        Assert.Equal(DeltaValidationError.NonFinite, Fails(nan).Error);

        var big = Fresh();
        Assert.Equal(DeltaValidationError.NormTooLarge, Fails(big, big.L2Norm() / 2).Error);
    }

    [Fact]
    public void ValidateAndApplyTo_SharedProjection_SameValuesAsOnTheFullLayout()
    {
        var (before, after, rows) = Trained();
        var shared = before.Layout.Project(ParameterScope.Shared);
        var delta = ModelDelta.Compute(before, after, touchedRows: new Dictionary<string, RowSet> { ["emb/item"] = rows });
        var bound = delta.L2Norm() * 2;

        delta.Validate(shared, ParameterScope.Shared, bound);
        var onFull = before.Clone();
        delta.ApplyTo(onFull, 0.5f);
        var onShared = before.ProjectTo(shared);
        delta.ApplyTo(onShared, 0.5f);

        Assert.Equal(Bits(onFull.ProjectTo(shared).Values), Bits(onShared.Values));
        var local = new ModelDelta([.. delta.Tensors, new TensorDelta("emb/user", new float[before.Layout["emb/user"].Length])]);
        var error = Assert.Throws<DeltaValidationException>(() => local.Validate(shared, ParameterScope.Shared, bound));
        Assert.Equal(DeltaValidationError.UnexpectedTensor, error.Error);
        Assert.Equal(DeltaValidationError.MissingTensor, Assert.Throws<DeltaValidationException>(() => new ModelDelta(delta.Tensors.Skip(1).ToList()).Validate(shared)).Error);
    }

    [Fact]
    public void Compute_OnSharedProjections_EqualsTheFullLayoutsDeltaBitForBit()
    {
        var (before, after, _) = Trained();
        var shared = before.Layout.Project(ParameterScope.Shared);

        var full = ModelDelta.Compute(before, after);
        var projected = ModelDelta.Compute(before.ProjectTo(shared), after.ProjectTo(shared));

        Assert.Equal(full.Tensors.Select(t => t.Name), projected.Tensors.Select(t => t.Name));
        Assert.Equal(full.Tensors.SelectMany(t => Bits(t.Values)), projected.Tensors.SelectMany(t => Bits(t.Values)));
    }

    private static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];
}
