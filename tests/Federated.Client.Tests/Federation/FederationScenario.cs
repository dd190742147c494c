using Federated.Client.Data;
using Federated.Client.Federation;
using Federated.Client.Training;
using Federated.Model.Parameters;

namespace Federated.Client.Tests.Federation;

/// <summary>Three institutions with different synthetic data (each its own seed, users and items) and a run config over the synthetic model.</summary>
public sealed class FederationScenario : IDisposable
{
    private readonly TempDirectory _root = new();

    public FederationScenario(int nodes = 3)
    {
        for (var k = 0; k < nodes; k++)
        {
            var directory = Path.Combine(_root.Path, $"node{k}");
            Directory.CreateDirectory(directory);
            DataPaths.Add(SyntheticData.Write(directory, seed: 100 + k, users: 50 + (10 * k), items: 40, ratingsPerUser: 24));
            StateDirectories.Add(Path.Combine(directory, "state"));
        }

        CoordinatorDirectory = Path.Combine(_root.Path, "coordinator");
        Directory.CreateDirectory(CoordinatorDirectory);
    }

    public List<string> DataPaths { get; } = [];

    public List<string> StateDirectories { get; } = [];

    public string CoordinatorDirectory { get; }

    public static string RunConfig(int rounds = 3, int minClients = 3, string optimizer = "adam") => $$"""
        {
          "name": "client-e2e",
          "seed": 5,
          "model": {{SyntheticData.Spec().ToJson()}},
          "rounds": {{rounds}},
          "minClients": {{minClients}},
          "roundDeadlineSeconds": 120,
          "training": { "localEpochs": 2, "batchSize": 32, "learningRate": 0.01, "clipNorm": 0, "sparseEmbeddings": true, "optimizer": "{{optimizer}}" },
          "strategy": { "name": "fedavg" }
        }
        """;

    public Func<CompiledModel, NodeDataset> LoadData(int node) => model => SyntheticData.Load(DataPaths[node], model);

    public static NodeRunnerOptions RunnerOptions(string stateDirectory, List<TimeSpan>? delays = null) => new()
    {
        StateDirectory = stateDirectory,
        Training = new NodeTrainingOptions { Seed = 3 },
        MaxWait = TimeSpan.FromSeconds(15),
        Delay = (delay, ct) =>
        {
            delays?.Add(delay);
            ct.ThrowIfCancellationRequested();
            return Task.CompletedTask;
        },
        Jitter = () => 0.5,
    };

    public void Dispose() => _root.Dispose();
}
