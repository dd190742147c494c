using Federated.Model.Network;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Model.Tests.Network;

/// <summary>The forward meaning of per-row biases and the dot interaction: exact additive terms on a task's output.</summary>
public sealed class OutputTermTests
{
    [Fact]
    public void Forward_RowBiasOfExampleRow_AddsExactlyToItsTasksOnly()
    {
        var spec = TestModels.Factorised(TrunkKind.SharedBottom, InteractionKind.Dot);
        var layout = ParameterLayout.FromSpec(spec);
        var parameters = TestModels.RandomParameters(spec, 3).Values;
        var batch = TestModels.RandomBatch(spec, 4, 4);
        var network = new MultiTaskNetwork(spec, layout, 4, 0);
        var before = Outputs(network, parameters, batch, spec.Tasks.Count);

        // The item bias of "rating" (column dim + 0) of example 2's item row.
        var item = spec.Fields[0];
        var table = layout[TensorNames.Embedding("item")];
        var row = batch.Ids(0)[2];
        parameters[table.Offset + (row * item.Columns) + item.Dim] += 1.5f;
        var after = Outputs(network, parameters, batch, spec.Tasks.Count);

        var rating = spec.TaskIndex("rating");
        for (var i = 0; i < 4; i++)
        {
            for (var t = 0; t < spec.Tasks.Count; t++)
            {
                var expected = before[t][i] + (t == rating && batch.Ids(0)[i] == row ? 1.5f : 0f);
                Assert.Equal(expected, after[t][i], 1e-5f);
            }
        }
    }

    [Fact]
    public void Forward_DotInteraction_AddsUserItemDotToChosenTasks()
    {
        var spec = TestModels.Factorised(TrunkKind.SharedBottom, InteractionKind.Dot);
        var layout = ParameterLayout.FromSpec(spec);
        var parameters = TestModels.RandomParameters(spec, 5).Values;
        var batch = TestModels.RandomBatch(spec, 3, 6);
        var network = new MultiTaskNetwork(spec, layout, 3, 0);
        var before = Outputs(network, parameters, batch, spec.Tasks.Count);

        var userTable = layout[TensorNames.Embedding("user")];
        var itemTable = layout[TensorNames.Embedding("item")];
        var user = spec.Fields[1];
        var item = spec.Fields[0];
        var dots = new float[3];
        for (var i = 0; i < 3; i++)
        {
            var u = parameters.AsSpan(userTable.Offset + (batch.Ids(1)[i] * user.Columns), user.Dim);
            var v = parameters.AsSpan(itemTable.Offset + (batch.Ids(0)[i] * item.Columns), item.Dim);
            dots[i] = System.Numerics.Tensors.TensorPrimitives.Dot(u, v);
        }

        // Without the interaction (same parameters, same layout: the interaction has no tensor of its own).
        var plain = spec with { Interaction = null };
        var plainNetwork = new MultiTaskNetwork(plain, layout, 3, 0);
        var without = Outputs(plainNetwork, parameters, batch, spec.Tasks.Count);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(without[spec.TaskIndex("rating")][i] + dots[i], before[spec.TaskIndex("rating")][i], 1e-5f);
            Assert.Equal(Logit(without[spec.TaskIndex("conversion")][i]) + dots[i], Logit(before[spec.TaskIndex("conversion")][i]), 1e-3);
            Assert.Equal(without[spec.TaskIndex("click")][i], before[spec.TaskIndex("click")][i], 1e-6f);
        }
    }

    private static double Logit(float p) => Math.Log(p / (1.0 - p));

    private static float[][] Outputs(MultiTaskNetwork network, float[] parameters, Federated.Model.Training.Batch batch, int tasks)
    {
        var n = batch.Count;
        network.Forward(parameters, batch, 0, n, training: false);
        var outputs = new float[tasks][];
        for (var t = 0; t < tasks; t++)
        {
            outputs[t] = new float[n];
            network.Predict(t, outputs[t], n);
        }

        return outputs;
    }
}
