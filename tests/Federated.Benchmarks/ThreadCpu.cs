using System.Globalization;

namespace Federated.Benchmarks;

/// <summary>
/// A process's CPU time split into the JIT's background compilation thread (<c>.NET Tiered Com</c>, whose work is a
/// start-up cost that lasts many seconds under dynamic PGO; read from <c>/proc/&lt;pid&gt;/task</c>) and everything
/// else (the process's total, exited threads included, minus that). Off Linux, everything is counted as work.
/// </summary>
internal static class ThreadCpu
{
    private const double TicksPerSecond = 100; // USER_HZ, 100 on every Linux the SDK supports.

    /// <summary>CPU time of <paramref name="process"/> outside and inside tiered compilation.</summary>
    public static (TimeSpan Work, TimeSpan Jit) Read(System.Diagnostics.Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        process.Refresh();
        var total = process.TotalProcessorTime;
        var tasks = $"/proc/{process.Id}/task";
        if (!Directory.Exists(tasks))
        {
            return (total, TimeSpan.Zero);
        }

        double jit = 0;
        foreach (var task in Directory.EnumerateDirectories(tasks))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(task, "stat"));

                // Fields after the parenthesised name: state is field 3, utime 14 and stime 15.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ticks = double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
                var name = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
                if (name.StartsWith(".NET Tiered", StringComparison.Ordinal))
                {
                    jit += ticks;
                }
            }
            catch (IOException)
            {
                // The thread ended while it was read; the process total still has its time.
            }
        }

        var compiling = TimeSpan.FromSeconds(jit / TicksPerSecond);
        return (total - compiling, compiling);
    }
}
