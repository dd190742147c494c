using Federated.Model.Network;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Model.Tests.Network;

/// <summary>Whole networks of each trunk kind: every tensor's gradient against central finite differences.</summary>
public sealed class ModelGradientTests
{
    public static TheoryData<TrunkKind, bool> Cases => new()
    {
        { TrunkKind.SharedBottom, false },
        { TrunkKind.Mmoe, false },
        { TrunkKind.Ple, false },
        { TrunkKind.Mmoe, true },
        { TrunkKind.Ple, true },
    };

    public static TheoryData<TrunkKind, InteractionKind, bool> FactorisedCases => new()
    {
        { TrunkKind.SharedBottom, InteractionKind.Dot, false },
        { TrunkKind.SharedBottom, InteractionKind.Product, false },
        { TrunkKind.Mmoe, InteractionKind.Dot, true },
        { TrunkKind.Ple, InteractionKind.Product, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Backward_WholeModel_MatchesFiniteDifferencesForEveryTensor(TrunkKind kind, bool esmm) =>
        AssertWholeModelGradient(TestModels.Small(kind, esmm));

    /// <summary>Per-row biases (single-valued, local, bag) and dot or product interactions, under every trunk kind.</summary>
    [Theory]
    [MemberData(nameof(FactorisedCases))]
    public void Backward_RowBiasesAndInteraction_MatchFiniteDifferencesForEveryTensor(TrunkKind kind, InteractionKind interaction, bool esmm) =>
        AssertWholeModelGradient(TestModels.Factorised(kind, interaction, esmm), samplesPerTensor: 200);

    /// <summary>Positive weights on the click task and on the (ESMM or plain) conversion task.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Backward_PositiveWeights_MatchFiniteDifferencesForEveryTensor(bool esmm)
    {
        var small = TestModels.Small(TrunkKind.Mmoe, esmm);
        var spec = small with { Tasks = [small.Tasks[0] with { PositiveWeight = 3f }, small.Tasks[1] with { PositiveWeight = 0.5f }, small.Tasks[2]] };
        spec.Validate();
        AssertWholeModelGradient(spec);
    }

    private static void AssertWholeModelGradient(ModelSpec spec, int samplesPerTensor = 10)
    {
        var layout = ParameterLayout.FromSpec(spec);
        var parameters = TestModels.RandomParameters(spec, 21).Values;
        const int n = 8;
        var batch = TestModels.RandomBatch(spec, n, 22);
        var network = new MultiTaskNetwork(spec, layout, n, 0);
        var scales = new float[spec.Tasks.Count];
        for (var t = 0; t < scales.Length; t++)
        {
            var labelled = batch.Labels(t)[..n].ToArray().Count(y => !float.IsNaN(y));
            scales[t] = spec.Tasks[t].Weight / labelled;
        }

        double F()
        {
            var sums = new double[scales.Length];
            network.Forward(parameters, batch, 0, n, training: false);
            network.Loss(batch, 0, n, scales, sums);
            return sums.Select((s, t) => s * scales[t]).Sum();
        }

        F();
        network.Backward(parameters, batch, 0, n);
        var gradient = new float[layout.TotalLength];
        network.DenseGradients.CopyTo(gradient, 0);
        for (var f = 0; f < spec.Fields.Count; f++)
        {
            var table = layout[TensorNames.Embedding(spec.Fields[f].Name)];
            var rows = network.RowGradients[f];
            for (var s = 0; s < rows.Count; s++)
            {
                rows.Values.Slice(s * table.Columns, table.Columns).CopyTo(gradient.AsSpan(table.Offset + (rows.Rows[s] * table.Columns)));
            }
        }

        foreach (var tensor in layout.Tensors)
        {
            FiniteDifferences.AssertGradient(parameters, F, FiniteDifferences.Sample(tensor.Offset, tensor.Length, samplesPerTensor), i => gradient[i], tensor.Name);
        }
    }
}
