using System.Collections;
using Federated.Client.Cli;
using Federated.Client.Federation;
using Federated.Client.Tests.Federation;

namespace Federated.Client.Tests.Cli;

public sealed class NodeCommandLineTests
{
    [Fact]
    public void Resolve_OptionEnvironmentAndAppsettings_OptionBeatsEnvironmentBeatsAppsettings()
    {
        using var directory = new TempDirectory();
        directory.Write("appsettings.json", """{ "Node": { "Coordinator": "http://from-file:1", "Token": "file-token", "Data": "file.csv", "Seed": 4 } }""");
        var environment = new Hashtable { ["FEDERATED_TOKEN"] = "env-token", ["FEDERATED_DATA"] = "env.csv", ["OTHER_TOKEN"] = "x" };
        var cli = new CliHarness(directory.Path, environment).CommandLine;

        var settings = cli.Resolve(cli.Root.Parse(["run", "--data", "cli.csv", "--state", "st"]));

        Assert.Equal("http://from-file:1", settings.Coordinator);
        Assert.Equal("env-token", settings.Token);
        Assert.Equal("cli.csv", settings.Data);
        Assert.Equal("st", settings.State);
        Assert.Equal(4, settings.Seed);
        Assert.Null(settings.Schema);
        Assert.Null(settings.Run);
    }

    [Fact]
    public void Resolve_NothingGiven_Defaults()
    {
        var cli = new CliHarness().CommandLine;

        var settings = cli.Resolve(cli.Root.Parse(["evaluate"]));

        Assert.Equal("node-state", settings.State);
        Assert.Equal(0, settings.Seed);
        Assert.Null(settings.Token);
    }

    [Fact]
    public async Task InvokeAsync_NoBulkUploads_ConnectionOpenedWithoutThem()
    {
        using var plain = new ScriptedNode();
        using var noBulk = new ScriptedNode();
        plain.Connection.Offers.Enqueue(() => new AssignmentOffer(AssignmentStatus.RunEnded));
        noBulk.Connection.Offers.Enqueue(() => new AssignmentOffer(AssignmentStatus.RunEnded));

        Assert.Equal(ExitCodes.Ok, await plain.RunAsync());
        Assert.Equal(ExitCodes.Ok, await noBulk.RunAsync(default, "--no-bulk-uploads"));

        Assert.True(plain.ConnectionOptions!.BulkUploads);
        Assert.False(noBulk.ConnectionOptions!.BulkUploads);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public void Resolve_NoBulkUploadsFromTheEnvironment_Read(string value, bool expected)
    {
        var cli = new CliHarness(environment: new Hashtable { ["FEDERATED_NOBULKUPLOADS"] = value }).CommandLine;

        Assert.Equal(expected, cli.Resolve(cli.Root.Parse(["run"])).NoBulkUploads);
    }

    [Fact]
    public async Task InvokeAsync_NoBulkUploadsNotABoolean_UsageError()
    {
        var cli = new CliHarness(environment: new Hashtable { ["FEDERATED_NOBULKUPLOADS"] = "maybe" });

        var code = await cli.RunAsync("run", "--coordinator", "http://127.0.0.1:1", "--token", "t", "--data", "x.csv");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--no-bulk-uploads must be true or false, not 'maybe'", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_RunWithoutToken_UsageErrorNamingTheVariable()
    {
        var cli = new CliHarness();

        var code = await cli.RunAsync("run", "--coordinator", "http://127.0.0.1:1", "--data", "x.csv");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--token is required (or set FEDERATED_TOKEN", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_CoordinatorNotAUrl_UsageError()
    {
        var cli = new CliHarness();

        var code = await cli.RunAsync("run", "--coordinator", "coordinator:5000", "--token", "t", "--data", "x.csv");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("http:// or https:// URL", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_UnknownOption_UsageError()
    {
        var cli = new CliHarness();

        var code = await cli.RunAsync("recommend", "--user", "u1", "--bogus");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--bogus", cli.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://no-such-host.invalid:5000", "host name could not be resolved (DNS)")]
    [InlineData("http://127.0.0.1:1", "connection was refused")]
    public async Task InvokeAsync_RunAgainstCoordinatorThatCannotBeReached_UnreachableWithTheCauseAfterTheJoinTimeout(string coordinator, string cause)
    {
        using var directory = new TempDirectory();
        var data = SyntheticData.Write(directory.Path, 1, 10, 10, 5);
        var schema = directory.Write("schema.json", SyntheticData.SchemaJson);
        var cli = new CliHarness();

        var code = await cli.RunAsync("run", "--coordinator", coordinator, "--token", "t", "--data", data, "--schema", schema, "--state", Path.Combine(directory.Path, "state"), "--join-timeout", "1");

        // The test console wraps long lines; the message is read as one line.
        var output = System.Text.RegularExpressions.Regex.Replace(cli.Output, @"\s+", " ");
        Assert.Equal(ExitCodes.Unreachable, code);
        Assert.Contains(cause, output, StringComparison.Ordinal);
        Assert.Contains("gave up after", output, StringComparison.Ordinal);
        Assert.DoesNotContain(" at Federated.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_JoinTimeoutNegative_UsageError()
    {
        var cli = new CliHarness();

        var code = await cli.RunAsync("run", "--coordinator", "http://127.0.0.1:1", "--token", "t", "--data", "x.csv", "--join-timeout", "-1");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("join timeout must be a number of seconds", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_DataFileMissing_BadDataWithItsPath()
    {
        using var directory = new TempDirectory();
        var schema = directory.Write("schema.json", SyntheticData.SchemaJson);
        var cli = new CliHarness();

        var code = await cli.RunAsync("run", "--coordinator", "http://127.0.0.1:1", "--token", "t", "--data", Path.Combine(directory.Path, "missing.csv"), "--schema", schema);

        Assert.Equal(ExitCodes.BadData, code);
        Assert.Contains("missing.csv: the data file does not exist", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_EvaluateBeforeAnyRun_BadStateSayingWhatToDo()
    {
        using var directory = new TempDirectory();
        var data = SyntheticData.Write(directory.Path, 1, 10, 10, 5);
        var schema = directory.Write("schema.json", SyntheticData.SchemaJson);
        var cli = new CliHarness();

        var code = await cli.RunAsync("evaluate", "--data", data, "--schema", schema, "--state", Path.Combine(directory.Path, "state"));

        Assert.Equal(ExitCodes.BadData, code);
        Assert.Contains("run the node against a coordinator first", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_RunThenEvaluateThenRecommend_TrainsAndPrintsPerTaskResults()
    {
        using var scenario = new FederationScenario(nodes: 1);
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory);
        coordinator.StartRun(FederationScenario.RunConfig(rounds: 2, minClients: 1));
        var schema = Path.Combine(scenario.CoordinatorDirectory, "schema.json");
        File.WriteAllText(schema, SyntheticData.SchemaJson);
        var environment = new Hashtable { ["FEDERATED_TOKEN"] = coordinator.IssueToken("inst0"), ["FEDERATED_COORDINATOR"] = coordinator.Address.ToString() };
        string[] common = ["--data", scenario.DataPaths[0], "--schema", schema, "--state", scenario.StateDirectories[0]];

        var run = new CliHarness(environment: environment);
        var runCode = await run.RunAsync(["run", .. common]);
        var evaluate = new CliHarness();
        var evaluateCode = await evaluate.RunAsync(["evaluate", .. common]);
        var recommend = new CliHarness();
        var recommendCode = await recommend.RunAsync(["recommend", "--user", "u3", "--k", "5", .. common]);

        Assert.Equal(ExitCodes.Ok, runCode);
        Assert.Contains("round 2: update accepted", run.Output, StringComparison.Ordinal);
        Assert.Contains("run run-1 ended at model version 2", run.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, evaluateCode);
        Assert.Contains("version 2", evaluate.Output, StringComparison.Ordinal);
        Assert.Contains("rmse", evaluate.Output, StringComparison.Ordinal);
        Assert.Contains("auc", evaluate.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, recommendCode);
        Assert.Equal(5, recommend.Output.Split('\n').Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"│ [1-5] +│ i\d+")));
    }

    [Fact]
    public async Task InvokeAsync_EvaluateWithExportedModel_SameFiguresAsTheStateDirectorysVersion()
    {
        using var scenario = new FederationScenario(nodes: 1);
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory);
        coordinator.StartRun(FederationScenario.RunConfig(rounds: 2, minClients: 1));
        var schema = Path.Combine(scenario.CoordinatorDirectory, "schema.json");
        File.WriteAllText(schema, SyntheticData.SchemaJson);
        var environment = new Hashtable { ["FEDERATED_TOKEN"] = coordinator.IssueToken("inst0"), ["FEDERATED_COORDINATOR"] = coordinator.Address.ToString() };
        string[] common = ["--data", scenario.DataPaths[0], "--schema", schema, "--state", scenario.StateDirectories[0]];
        Assert.Equal(ExitCodes.Ok, await new CliHarness(environment: environment).RunAsync(["run", .. common]));

        // The file 'admin export' writes: the shared tensors with the layout's shapes, the spec and version in metadata.
        var model = Path.Combine(scenario.CoordinatorDirectory, "model.safetensors");
        var version = coordinator.Engine.GetModel("run-1", 2);
        using (var file = File.Create(model))
        {
            Federated.Model.Parameters.SafetensorsFile.Write(
                file,
                [.. version.Layout.InScope(Federated.Model.Spec.ParameterScope.Shared).Select(t => new Federated.Model.Parameters.SafetensorsTensor(t.Name, t.Shape, version[t].ToArray()))],
                new Dictionary<string, string> { ["run_id"] = "run-1", ["model_version"] = "2", ["model_spec"] = coordinator.Engine.GetSpec("run-1").ToJson() });
        }

        var fromState = new CliHarness();
        var fromStateCode = await fromState.RunAsync(["evaluate", .. common]);
        var fromFile = new CliHarness();
        var fromFileCode = await fromFile.RunAsync(["evaluate", "--model", model, .. common]);

        Assert.Equal(ExitCodes.Ok, fromStateCode);
        Assert.Equal(ExitCodes.Ok, fromFileCode);
        Assert.Contains("auc", fromFile.Output, StringComparison.Ordinal);
        Assert.Equal(fromState.Output, fromFile.Output);
    }

    [Fact]
    public async Task InvokeAsync_EvaluateWithModelThatIsNotSafetensors_BadDataNamingTheFile()
    {
        using var directory = new TempDirectory();
        var data = SyntheticData.Write(directory.Path, 1, 10, 10, 5);
        var schema = directory.Write("schema.json", SyntheticData.SchemaJson);
        var model = directory.Write("model.safetensors", "not a model");
        var cli = new CliHarness();

        var code = await cli.RunAsync("evaluate", "--model", model, "--data", data, "--schema", schema, "--state", Path.Combine(directory.Path, "state"));

        Assert.Equal(ExitCodes.BadData, code);
        Assert.Contains("not a safetensors file", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_RunWithCsvLackingASchemaColumn_BadDataNamingTheColumn()
    {
        using var scenario = new FederationScenario(nodes: 0);
        await using var coordinator = await LoopbackCoordinator.StartAsync(scenario.CoordinatorDirectory);
        coordinator.StartRun(FederationScenario.RunConfig(minClients: 1));
        using var directory = new TempDirectory();
        var data = directory.Write("data.csv", "user,item,genres,rating,ts\nu1,i1,g1,4,1\n");
        var schema = directory.Write("schema.json", SyntheticData.SchemaJson);
        var cli = new CliHarness();

        var code = await cli.RunAsync("run", "--coordinator", coordinator.Address.ToString(), "--token", coordinator.IssueToken("inst0"), "--data", data, "--schema", schema, "--state", Path.Combine(directory.Path, "state"));

        Assert.Equal(ExitCodes.BadData, code);
        Assert.Contains("column 'age'", cli.Output, StringComparison.Ordinal);
    }
}
