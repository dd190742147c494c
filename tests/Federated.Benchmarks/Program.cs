using System.CommandLine;
using Federated.Benchmarks;

// Wiring only: each benchmark lives in its own file and contributes one subcommand.
var root = new RootCommand("Federated benchmark harness; each subcommand prints one JSON line per measurement.");
root.Subcommands.Add(GemmBenchmark.CreateCommand());
root.Subcommands.Add(TrainerBenchmark.CreateCommand());
root.Subcommands.Add(AggregateBenchmark.CreateCommand());
root.Subcommands.Add(RobustAggregateBenchmark.CreateCommand());
root.Subcommands.Add(ServerOptimizerBenchmark.CreateCommand());
root.Subcommands.Add(RoundBenchmark.CreateCommand());
root.Subcommands.Add(RoundBenchmarkCoordinator.CreateCommand());
root.Subcommands.Add(SecAggBenchmark.CreateCommand());
root.Subcommands.Add(SecAggPriceBenchmark.CreateCommand());
return root.Parse(args).Invoke();
