using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Simulation.Engine;

namespace Federated.Simulation.Tests.Engine;

/// <summary>Output biases from data in a simulated federation: shared heads from merged counts, local heads per client.</summary>
public sealed class DataOutputBiasExperimentTests
{
    [Fact]
    public async Task RunAsync_SharedHeadFromData_RunStartsAtTheMeanOfAllClientsTrainingLabels()
    {
        var tiny = TinyFederation.Data();
        var spec = tiny.Spec with
        {
            Tasks =
            [
                tiny.Spec.Tasks[0] with { OutputBiasFromData = true },
                tiny.Spec.Tasks[1],
                tiny.Spec.Tasks[2] with { OutputBiasFromData = true, Scope = ParameterScope.Shared },
            ],
        };
        var data = new SimulationData(tiny.Name, tiny.Schema, CompiledModel.Compile(spec), tiny.Examples, tiny.IsTest);
        var rating = spec.TaskIndex("rating");
        var training = data.Examples.Where((_, i) => !data.IsTest[i]).Select(e => (double)e.Labels[rating]).Where(y => !double.IsNaN(y)).ToArray();
        ModelSpec? runSpec = null;
        ParameterSet? versionZero = null;
        var experiment = TinyFederation.Experiment(data, TinyFederation.ByInstitution(data), rounds: 1, references: false);
        experiment = new Experiment
        {
            Title = experiment.Title,
            CommandLine = experiment.CommandLine,
            Data = data,
            Partition = experiment.Partition,
            Options = experiment.Options,
            WithReferences = false,
            HostFactory = (config, model, clients, _) =>
            {
                runSpec = config.Spec;
                var host = new InMemoryFederationHost(config, model, clients);
                versionZero = host.Engine.GetModel(host.RunId, 0);
                return Task.FromResult<IFederationHost>(host);
            },
        };

        await experiment.RunAsync();

        Assert.Equal(training.Average(), runSpec!.Tasks[rating].OutputBias, 1e-4);
        Assert.Equal(runSpec.Tasks[rating].OutputBias, versionZero!["tower/rating/out/b"][0]);

        // The local click head is set by each client from its own rows, never written into the run's spec.
        Assert.Equal(0f, runSpec.Tasks[0].OutputBias);
        Assert.Equal(ParameterLayout.FromSpec(spec).Fingerprint, ParameterLayout.FromSpec(runSpec).Fingerprint);
    }
}
