using Federated.Client.Data;
using Federated.Simulation.Attacks;

namespace Federated.Simulation.Tests.Attacks;

public sealed class LabelFlipTests
{
    [Fact]
    public void Flip_BinaryAndRegression_OneMinusYAndMinPlusMaxMinusR()
    {
        var rules = new (bool Binary, float Sum)[] { (true, 1), (false, 6) };
        var example = new Example(3, [["a"]], [0.5f], [1, 4]);

        var flipped = LabelFlip.Flip(example, rules);

        Assert.Equal([0f, 2f], flipped.Labels);
        Assert.Equal([1f, 4f], example.Labels);
        Assert.Same(example.Tokens, flipped.Tokens);
        Assert.Equal(3, flipped.LineNumber);
    }

    [Fact]
    public void Flip_MissingLabel_StaysMissing()
    {
        var flipped = LabelFlip.Flip(new Example(1, [], [], [float.NaN, 0]), [(true, 1), (true, 1)]);

        Assert.True(float.IsNaN(flipped.Labels[0]));
        Assert.Equal(1f, flipped.Labels[1]);
    }

    [Fact]
    public void Rules_TinyFederation_BinaryTasksAndRatingRangeFromTheData()
    {
        var data = TinyFederation.Data();

        var rules = LabelFlip.Rules(data);

        for (var t = 0; t < data.Schema.Tasks.Count; t++)
        {
            var labels = data.Examples.Select(e => e.Labels[t]).Where(l => !float.IsNaN(l)).ToList();
            var binary = data.Spec.Tasks.Single(s => s.Name == data.Schema.Tasks[t]).Kind == Federated.Model.Spec.TaskKind.Binary;
            Assert.Equal(binary, rules[t].Binary);
            Assert.Equal(labels.Min() + labels.Max(), rules[t].Sum);
        }

        Assert.Contains(rules, r => !r.Binary);
    }
}
