using System.Reflection;

namespace Federated.Simulation.Tests.Cli;

/// <summary>Runs the simulation's Main in process with standard error captured: its exit code and what it wrote there.</summary>
internal static class SimulationEntryPoint
{
    public static (int Code, string Error) Run(params string[] args)
    {
        var entry = typeof(Federated.Simulation.Engine.Experiment).Assembly.EntryPoint!;
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            var result = entry.Invoke(null, [args]);
            var code = result is Task<int> task ? task.GetAwaiter().GetResult() : (int)result!;
            return (code, error.ToString());
        }
        catch (TargetInvocationException e)
        {
            throw e.InnerException!;
        }
        finally
        {
            Console.SetError(previous);
        }
    }
}
