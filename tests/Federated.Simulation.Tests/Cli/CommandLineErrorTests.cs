namespace Federated.Simulation.Tests.Cli;

/// <summary>The simulation's command line with bad attack and strategy values: one line on standard error, exit code 2, nothing run.</summary>
public sealed class CommandLineErrorTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sim-cli-" + Guid.NewGuid().ToString("N"));

    private (int Code, string Error) Run(params string[] args) => SimulationEntryPoint.Run([.. args, "--rounds", "1", "--out", _folder]);

    [Theory]
    [InlineData("--attack|bogus", "error: --attack 'bogus': expected sign-flip, scale:K, gaussian:SIGMA or label-flip")]
    [InlineData("--attack|scale:inf|--malicious|1", "error: --attack scale:inf: K 'inf' is not a finite number")]
    [InlineData("--attack|gaussian:NaN|--malicious|1", "error: --attack gaussian:NaN: SIGMA 'NaN' is not a finite number")]
    [InlineData("--attack|sign-flip|--malicious|-1", "error: --malicious -1: must be ≥ 0")]
    [InlineData("--attack|sign-flip|--malicious|10", "error: --malicious 10: must be in [0, 10) for 10 clients")]
    [InlineData("--malicious|2", "error: --malicious needs --attack")]
    [InlineData("--dp-sweep|1,2", "error: --dp-sweep needs --dp-clip S|adaptive")]
    [InlineData("--dp-sweep|1,2|--dp-clip|1|--dp-noise|1", "error: --dp-sweep sets the noise of each run: give it without --dp-noise and --compare-strategies")]
    [InlineData("--dp-sweep|1,zero|--dp-clip|1", "error: --dp-sweep '1,zero': 'zero' is not a noise multiplier (a number > 0)")]
    [InlineData("--strategy|no-such-strategy", "error: run config: strategy.name: unknown strategy 'no-such-strategy'; known: ")]
    [InlineData("--strategy|fedavg:beta=0.2", "error: run config: strategy.parameters.beta: unknown parameter of 'fedavg'")]
    [InlineData("--strategy|fedavg:serverLearningRate=fast", "error: --strategy 'fedavg:serverLearningRate=fast': the value of serverLearningRate, 'fast', is not a number")]
    [InlineData("--compare-strategies|fedavg,no-such-strategy", "error: run config: strategy.name: unknown strategy 'no-such-strategy'")]
    [InlineData("--strategy|fedavg|--compare-strategies|fedavg", "error: --strategy and --compare-strategies: give one or the other")]
    [InlineData("--dp-noise|1", "error: --dp-noise and --dp-clip go together")]
    [InlineData("--sample-rate|0.5", "error: --sample-rate needs --dp-noise and --dp-clip")]
    [InlineData("--dp-noise|1|--dp-clip|big", "error: --dp-clip 'big': expected a clip norm (a number) or 'adaptive'")]
    [InlineData("--dp-noise|1|--dp-clip|1|--dp-delta|2", "error: run config: privacy.delta: must be in (0, 1), not 2")]
    [InlineData("--dp-noise|1|--dp-clip|adaptive", "error: run config: privacy.adaptive.countNoise: must exceed z / 2 = 0.5")]
    [InlineData("--dp-noise|1|--dp-clip|1|--sample-rate|0.5|--fraction|0.3", "error: --sample-rate 0.5 and --fraction 0.3: with privacy each client takes part with probability q, the fraction; give one")]
    [InlineData("--dp-noise|1|--dp-clip|1|--strategy|median", "error: run config: strategy.name: 'median' cannot be used with privacy")]
    [InlineData("movielens|--path|/nonexistent|--model|/nonexistent/spec.json", "error: --model /nonexistent/spec.json: ")]
    [InlineData("movielens|--path|/nonexistent|--fold|9", "error: --fold 9: the official folds are 1 to 5")]
    [InlineData("movielens|--path|/nonexistent|--fold|0", "error: --fold 0: the official folds are 1 to 5")]
    [InlineData("movielens|--path|/nonexistent|--partition|zip", "error: --partition 'zip': expected iid, dirichlet:ALPHA:KEY, key:FIELD, per-user, zip-region")]
    [InlineData("movielens|--path|/nonexistent|--partition|dirichlet:0.1:zip", "error: --partition dirichlet:0.1:zip: 'zip' is neither a field nor a task of the data")]
    [InlineData("--optimizer|adagrad", "error: --optimizer: Argument 'adagrad' not recognized. Must be one of: 'sgd' 'momentum' 'adam'")]
    [InlineData("--reference-optimizer|adagrad", "error: --reference-optimizer: Argument 'adagrad' not recognized. Must be one of: 'sgd' 'momentum' 'adam'")]
    [InlineData("--reference-learning-rate|0", "error: --reference-learning-rate 0: must be a finite number > 0")]
    [InlineData("--reference-batch-size|0", "error: --reference-batch-size 0: must be ≥ 1")]
    [InlineData("--seed|many", "error: Cannot parse argument 'many' for option '--seed'")]
    [InlineData("--sa-threshold|3", "error: --sa-threshold and --sa-neighbours need --secure-aggregation")]
    [InlineData("--dropout|1", "error: --dropout 1: must be in [0, 1)")]
    [InlineData("--clip-norm|-1", "error: --clip-norm -1: must be a finite number > 0")]
    [InlineData("--secure-aggregation|--transport|grpc", "error: --secure-aggregation and --dropout run with --transport in-memory only")]
    [InlineData("--secure-aggregation|--sa-neighbours|3", "error: run config: secureAggregation.neighbours: must be 0 (complete graph) or even")]
    [InlineData("--secure-aggregation|--strategy|median", "error: run config: strategy.name: 'median' needs every update on its own")]
    [InlineData("--secure-aggregation|--dp-noise|0.5|--dp-clip|adaptive", "error: run config: privacy.adaptive: cannot be combined with secureAggregation")]
    [InlineData("movielens|--path|/nonexistent|--model|spec.json|--dim|8", "error: --model and --dim: the spec file sets every field's dim; give one or the other")]
    public void Main_BadValue_OneLineErrorAndExitCode2(string args, string expected)
    {
        var (code, error) = Run(args.Split('|'));

        Assert.Equal(2, code);
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(Path.Combine(_folder, "report.md")));
    }

    [Fact]
    public void Main_MovieLensModelFileWithInvalidSpec_OneLineNamingTheKey()
    {
        Directory.CreateDirectory(_folder);
        var file = Path.Combine(_folder, "bad-spec.json");
        File.WriteAllText(file, """{ "fields": [], "trunk": { "hidden": [4] }, "tasks": [] }""");

        var (code, error) = Run("movielens", "--path", "/nonexistent", "--model", file);

        Assert.Equal(2, code);
        Assert.StartsWith($"error: --model {file}: ", error, StringComparison.Ordinal);
        Assert.Contains("fields", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Main_SyntheticModelFileThatDoesNotFit_OneLineNamingTheKey()
    {
        Directory.CreateDirectory(_folder);
        var file = Path.Combine(_folder, "spec.json");
        File.WriteAllText(file, """{ "fields": [ { "name": "shop", "dim": 4, "buckets": 8 } ], "trunk": { "hidden": [4] }, "tasks": [ { "name": "click", "tower": [4] } ] }""");

        var (code, error) = Run("--model", file);

        Assert.Equal(2, code);
        Assert.StartsWith($"error: --model {file}: fields[0] 'shop' is not a field of the data (its fields: ", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Main_SecureRoundsFailingBeyondRetries_OneLineAndExitCode1()
    {
        // Half of the ten clients vanish every round, fewer than the default threshold of 7: every attempt fails.
        var (code, error) = Run("--secure-aggregation", "--dropout", "0.5");

        Assert.Equal(1, code);
        Assert.StartsWith("error: the federated run failed before round 1: round ", error, StringComparison.Ordinal);
        Assert.Contains("fewer than the threshold 7", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
