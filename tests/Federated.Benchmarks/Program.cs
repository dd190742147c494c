using System.CommandLine;
using Federated.Benchmarks;

// Wiring only: each benchmark lives in its own file and contributes one subcommand.
var root = new RootCommand("Federated micro-benchmarks; each subcommand prints one JSON line per measurement.");
root.Subcommands.Add(GemmBenchmark.CreateCommand());
return root.Parse(args).Invoke();
