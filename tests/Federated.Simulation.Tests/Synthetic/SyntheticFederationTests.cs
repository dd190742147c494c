using Federated.Simulation.Reports;
using Federated.Simulation.Synthetic;

namespace Federated.Simulation.Tests.Synthetic;

public sealed class SyntheticFederationTests
{
    [Fact]
    public void Generate_SameSeed_SameData()
    {
        var a = SyntheticFederation.Generate(institutions: 2, items: 30, seed: 4);
        var b = SyntheticFederation.Generate(institutions: 2, items: 30, seed: 4);

        Assert.Equal(a.Examples.Select(e => (e.User, e.Item, e.Click, e.Conversion)), b.Examples.Select(e => (e.User, e.Item, e.Click, e.Conversion)));
    }

    [Fact]
    public void Generate_Tasks_AreCorrelatedAsDesigned()
    {
        var data = SyntheticFederation.Generate(institutions: 4, items: 100, seed: 2);
        var examples = data.Examples;

        // ESMM structure: a conversion needs a click, and ratings follow clicks.
        Assert.All(examples.Where(e => e.Conversion > 0), e => Assert.Equal(1f, e.Click));
        Assert.All(examples, e => Assert.Equal(e.Click > 0, !float.IsNaN(e.Rating)));

        // Shared latent affinity: clicked items that convert are rated higher than clicked items that do not.
        var converted = examples.Where(e => e.Conversion > 0).Average(e => e.Rating);
        var notConverted = examples.Where(e => e.Click > 0 && e.Conversion == 0).Average(e => e.Rating);
        Assert.True(converted > notConverted + 0.1, $"{converted} vs {notConverted}");

        // Institutions differ in size and base click rate (their skew).
        var perInstitution = examples.GroupBy(e => e.Institution).Select(g => (Count: g.Count(), Rate: g.Average(e => e.Click))).ToList();
        Assert.True(perInstitution.Max(p => p.Count) > 1.5 * perInstitution.Min(p => p.Count));
        Assert.True(perInstitution.Max(p => p.Rate) - perInstitution.Min(p => p.Rate) > 0.05);
    }

    [Fact]
    public async Task Generate_Tasks_AreLearnableByTheCentralisedModel()
    {
        var data = TinyFederation.Data(usersPerInstitution: 40);
        var report = await TinyFederation.Experiment(data, TinyFederation.ByInstitution(data), rounds: 4).RunAsync();

        Assert.True(report.Final(ExperimentSeries.Centralised, "click", "auc") > 0.6, $"click auc {report.Final(ExperimentSeries.Centralised, "click", "auc")}");
        Assert.True(report.Final(ExperimentSeries.Centralised, "conversion", "auc") > 0.6, $"conversion auc {report.Final(ExperimentSeries.Centralised, "conversion", "auc")}");
        var ratings = data.Examples.Select(e => e.Labels[2]).Where(float.IsFinite).ToArray();
        var mean = ratings.Average();
        var std = Math.Sqrt(ratings.Average(r => (r - mean) * (r - mean)));
        Assert.True(report.Final(ExperimentSeries.Centralised, "rating", "rmse") < std, $"rating rmse {report.Final(ExperimentSeries.Centralised, "rating", "rmse")} vs label std {std}");
    }
}
