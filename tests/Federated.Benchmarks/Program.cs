using System.CommandLine;
using Federated.Benchmarks;

var root = new RootCommand("Federated benchmark harness: one JSON line per measurement.");
root.Subcommands.Add(TrainerBenchmark.CreateCommand());
return root.Parse(args).Invoke();
