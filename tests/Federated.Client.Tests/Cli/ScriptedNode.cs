using Federated.Client.Tests.Federation;
using Federated.Client.Training;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Tests.Cli;

/// <summary>A node's command line over a <see cref="ScriptedConnection"/>, with synthetic data and a state directory in a temp directory.</summary>
internal sealed class ScriptedNode : IDisposable
{
    public ScriptedNode(ModelSpec? spec = null, string? fingerprint = null)
    {
        Connection = new ScriptedConnection(spec ?? SyntheticData.Spec(), fingerprint);
        Data = SyntheticData.Write(Directory.Path, 1, 20, 16, 10);
        Schema = Directory.Write("schema.json", SyntheticData.SchemaJson);
        State = Path.Combine(Directory.Path, "state");
        Cli = new CliHarness(connect: (_, _, options) =>
        {
            ConnectionOptions = options;
            return Connection;
        });
    }

    public TempDirectory Directory { get; } = new();

    public ScriptedConnection Connection { get; }

    /// <summary>The channel settings the command line opened its connection with (after a run).</summary>
    public Federated.Client.Federation.GrpcConnectionOptions? ConnectionOptions { get; private set; }

    public CliHarness Cli { get; }

    public string Data { get; }

    public string Schema { get; }

    public string State { get; }

    public string[] DataOptions => ["--data", Data, "--schema", Schema, "--state", State];

    public Task<int> RunAsync(CancellationToken stoppingToken = default, params string[] extra) =>
        Cli.RunAsync(stoppingToken, ["run", "--coordinator", "http://127.0.0.1:1", "--token", "t", .. DataOptions, .. extra]);

    /// <summary>Writes a global model of <paramref name="runId"/> into the state directory, as a run's first download does.</summary>
    public void SaveGlobalModel(string runId, ModelSpec? spec = null)
    {
        spec ??= SyntheticData.Spec();
        System.IO.Directory.CreateDirectory(State);
        GlobalModelStore.Save(Path.Combine(State, GlobalModelStore.FileName), runId, 3, spec, ParameterSet.Initialize(spec, 1));
    }

    public void Dispose() => Directory.Dispose();
}
