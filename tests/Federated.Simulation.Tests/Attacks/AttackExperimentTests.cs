using Federated.Model.Updates;
using Federated.Simulation.Attacks;
using Federated.Simulation.Engine;
using Federated.Simulation.Reports;

namespace Federated.Simulation.Tests.Attacks;

/// <summary>Attacks through the whole federated series: what the malicious clients upload, against the same run without attack.</summary>
public sealed class AttackExperimentTests
{
    private static async Task<(UploadRecordingHost Host, ExperimentReport Report, ExperimentAttack? Attack)> RunAsync(AttackSpec? attack, int malicious = 1, int rounds = 1)
    {
        var data = TinyFederation.Data();
        var tiny = TinyFederation.Experiment(data, TinyFederation.ByInstitution(data), rounds: rounds, references: false);
        UploadRecordingHost? host = null;
        var experiment = new Experiment
        {
            Title = tiny.Title,
            CommandLine = tiny.CommandLine,
            Data = data,
            Partition = tiny.Partition,
            Options = tiny.Options with { Attack = attack, Malicious = attack is null ? 0 : malicious },
            WithReferences = false,
            HostFactory = (config, model, clients, _) => Task.FromResult<IFederationHost>(host = new UploadRecordingHost(new InMemoryFederationHost(config, model, clients))),
        };
        var report = await experiment.RunAsync();
        return (host!, report, experiment.ChooseAttack(report.Clients));
    }

    private static void AssertSameShape(ModelDelta expected, ModelDelta actual)
    {
        Assert.Equal(expected.Tensors.Select(t => t.Name), actual.Tensors.Select(t => t.Name));
        for (var i = 0; i < expected.Tensors.Count; i++)
        {
            Assert.Equal(expected.Tensors[i].Rows, actual.Tensors[i].Rows);
            Assert.Equal(expected.Tensors[i].Values.Length, actual.Tensors[i].Values.Length);
        }
    }

    private static void AssertValues(ModelDelta clean, ModelDelta attacked, Func<float, float> expected)
    {
        AssertSameShape(clean, attacked);
        for (var i = 0; i < clean.Tensors.Count; i++)
        {
            Assert.Equal(clean.Tensors[i].Values.Select(expected), attacked.Tensors[i].Values);
        }
    }

    [Fact]
    public async Task RunAsync_SignFlip_MaliciousUploadIsExactlyTheNegatedCleanDeltaOthersUnchanged()
    {
        var clean = await RunAsync(null);
        var attacked = await RunAsync(new AttackSpec(AttackKind.SignFlip));

        var bad = Assert.Single(attacked.Attack!.Malicious);
        for (var c = 0; c < attacked.Report.Clients; c++)
        {
            var honest = clean.Host.Uploads[(c, 1)].Delta;
            var sent = attacked.Host.Uploads[(c, 1)];
            AssertValues(honest, sent.Delta, c == bad ? v => -v : v => v);
            Assert.Equal(c == bad, sent.Transforms.Contains("attack:sign-flip"));
        }

        Assert.True(clean.Host.Uploads[(bad, 1)].Delta.L2Norm() > 0);
    }

    [Fact]
    public async Task RunAsync_Scale_MaliciousUploadIsKTimesTheCleanDelta()
    {
        var clean = await RunAsync(null);
        var attacked = await RunAsync(new AttackSpec(AttackKind.Scale, 10));

        var bad = Assert.Single(attacked.Attack!.Malicious);
        AssertValues(clean.Host.Uploads[(bad, 1)].Delta, attacked.Host.Uploads[(bad, 1)].Delta, v => v * 10f);
        var honest = bad == 0 ? 1 : 0;
        AssertValues(clean.Host.Uploads[(honest, 1)].Delta, attacked.Host.Uploads[(honest, 1)].Delta, v => v);
    }

    [Fact]
    public async Task RunAsync_GaussianSameSeed_SameNoiseOnTheCleanRowsWithSigma()
    {
        var clean = await RunAsync(null);
        var first = await RunAsync(new AttackSpec(AttackKind.Gaussian, 0.5), rounds: 2);
        var second = await RunAsync(new AttackSpec(AttackKind.Gaussian, 0.5), rounds: 2);

        var bad = Assert.Single(first.Attack!.Malicious);
        var round1 = first.Host.Uploads[(bad, 1)].Delta;
        AssertSameShape(clean.Host.Uploads[(bad, 1)].Delta, round1);
        for (var round = 1; round <= 2; round++)
        {
            AssertValues(first.Host.Uploads[(bad, round)].Delta, second.Host.Uploads[(bad, round)].Delta, v => v);
        }

        Assert.NotEqual(round1.Tensors[0].Values, first.Host.Uploads[(bad, 2)].Delta.Tensors[0].Values);
        var values = round1.Tensors.SelectMany(t => t.Values).Select(v => (double)v).ToArray();
        var mean = values.Average();
        var sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
        Assert.InRange(sd, 0.45, 0.55);
        Assert.InRange(mean, -0.05, 0.05);
        Assert.Equal(first.Report.Points, second.Report.Points);
    }

    [Fact]
    public async Task RunAsync_LabelFlip_OnlyTheMaliciousUploadChangesAndTheReportNamesIt()
    {
        var clean = await RunAsync(null);
        var attacked = await RunAsync(new AttackSpec(AttackKind.LabelFlip));

        var bad = Assert.Single(attacked.Attack!.Malicious);
        for (var c = 0; c < attacked.Report.Clients; c++)
        {
            var same = clean.Host.Uploads[(c, 1)].Delta.Tensors.Zip(attacked.Host.Uploads[(c, 1)].Delta.Tensors).All(p => p.First.Values.SequenceEqual(p.Second.Values));
            Assert.Equal(c != bad, same);
            Assert.DoesNotContain(attacked.Host.Uploads[(c, 1)].Transforms, t => t.StartsWith("attack", StringComparison.Ordinal));
        }

        Assert.Equal("label-flip", attacked.Report.Settings["attack"]);
    }

    [Fact]
    public async Task RunAsync_Attack_ReportListsTheAttackAndTheMaliciousClientsByName()
    {
        var attacked = await RunAsync(new AttackSpec(AttackKind.SignFlip), malicious: 2);

        var names = attacked.Report.ClientNames();
        var expected = string.Join(", ", attacked.Attack!.Malicious.Select(c => names[c]));
        Assert.Equal(2, attacked.Attack.Malicious.Count);
        Assert.Equal("sign-flip", attacked.Report.Settings["attack"]);
        Assert.Equal($"{expected} (2 of 3, chosen by seed 3)", attacked.Report.Settings["malicious clients"]);
        Assert.Contains("| malicious clients | " + expected, ReportWriter.Markdown(attacked.Report), StringComparison.Ordinal);
    }

    [Fact]
    public void WithFlippedTrainingLabels_MaliciousClient_FlipsOnlyItsTrainingLabels()
    {
        var data = TinyFederation.Data();
        var clients = VirtualClients.Build(data, TinyFederation.ByInstitution(data), seed: 1);
        var rules = LabelFlip.Rules(data);

        var flipped = clients.WithFlippedTrainingLabels([1]);

        var tasks = data.Spec.Tasks.Count;
        var changed = 0;
        for (var c = 0; c < clients.Count; c++)
        {
            var before = clients.Datasets[c];
            var after = flipped.Datasets[c];
            Assert.Equal(before.Split.Train, after.Split.Train);
            Assert.Equal(before.Split.Test, after.Split.Test);
            for (var t = 0; t < tasks; t++)
            {
                var schemaTask = data.Schema.Tasks.ToList().IndexOf(data.Spec.Tasks[t].Name);
                foreach (var row in before.Split.Train)
                {
                    var label = before.Table.Label(row, t);
                    var expected = c != 1 || float.IsNaN(label) ? label : rules[schemaTask].Binary ? 1 - label : rules[schemaTask].Sum - label;
                    Assert.Equal(expected, after.Table.Label(row, t));
                    changed += after.Table.Label(row, t) != label ? 1 : 0;
                }

                foreach (var row in before.Split.Test)
                {
                    Assert.Equal(before.Table.Label(row, t), after.Table.Label(row, t));
                }
            }
        }

        Assert.True(changed > 0);
    }
}
