using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Simulation.Engine;
using Federated.Simulation.Partitioning;
using Federated.Simulation.Synthetic;

namespace Federated.Simulation.Tests;

/// <summary>A small synthetic federation for fast tests: the first users of each of three institutions, a small model.</summary>
internal static class TinyFederation
{
    public static SimulationData Data(int usersPerInstitution = 12, int seed = 5)
    {
        var synthetic = SyntheticFederation.Generate(institutions: 3, items: 60, seed: seed);
        var source = SyntheticSource.Create(synthetic);
        var firstUsers = synthetic.Examples.GroupBy(e => e.Institution).SelectMany(g => g.Select(e => e.User).Distinct().Take(usersPerInstitution)).ToHashSet();
        var examples = source.Read().Where((_, i) => firstUsers.Contains(synthetic.Examples[i].User)).ToList();
        var spec = synthetic.DefaultSpec() with
        {
            Trunk = new TrunkSpec { Kind = TrunkKind.Mmoe, Hidden = [8], Experts = 2 },
        };
        var model = CompiledModel.Compile(spec);
        var marked = SimulationData.FromSource(new Federated.Client.Data.InMemoryExampleSource("tiny", source.Schema, examples), model, 0.25, seed);
        return new SimulationData("tiny", source.Schema, model, examples, marked.IsTest);
    }

    public static DataPartition ByInstitution(SimulationData data) => Partitioners.ByKey(data.Examples.Count, data.KeyOf("institution"), "institution");

    public static Experiment Experiment(SimulationData data, DataPartition partition, int workers = 2, int rounds = 2, bool references = true) => new()
    {
        Title = "tiny",
        CommandLine = "test",
        Data = data,
        Partition = partition,
        Options = new SimulationOptions { Rounds = rounds, Workers = workers, Plan = SimulationOptions.DefaultPlan with { BatchSize = 32, LearningRate = 0.02f }, Seed = 3 },
        WithReferences = references,
    };
}
