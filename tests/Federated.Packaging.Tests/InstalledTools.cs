using System.Reflection;

namespace Federated.Packaging.Tests;

/// <summary>
/// The three programs packed from this checkout's build output (<c>dotnet pack --no-build</c>) into a temporary local
/// feed and installed from it with <c>dotnet tool install --tool-path</c>, as the README tells an operator to. Everything
/// it writes goes to one temporary directory: the packages, the tools, NuGet's package cache and the publish layouts
/// (nothing under the repository's <c>bin/</c> or <c>obj/</c> is rebuilt or restored, so test assemblies running beside
/// it are undisturbed). Deleted on dispose.
/// </summary>
public sealed class InstalledTools : IAsyncLifetime
{
    /// <summary>The tools: package id (= command name) and the program's project file under the repository root.</summary>
    public static readonly IReadOnlyList<(string Id, string Project)> Tools =
    [
        ("federated-coordinator", "coordinator/Federated.Coordinator.csproj"),
        ("federated-node", "client/Federated.Client.csproj"),
        ("federated-sim", "simulation/Federated.Simulation.csproj"),
    ];

    /// <summary>The temporary directory everything goes to.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "federated-tests", "packaging-" + Guid.NewGuid().ToString("N"));

    /// <summary>The local feed the packages are written to.</summary>
    public string Feed => Path.Combine(Root, "feed");

    /// <summary>The directory the tools are installed in (<c>--tool-path</c>).</summary>
    public string ToolPath => Path.Combine(Root, "tools");

    /// <summary>The package version: this build's version without its source revision (Directory.Build.props gives all one).</summary>
    public static string Version { get; } =
        typeof(InstalledTools).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];

    /// <summary>The repository root: the first directory above the test's output that holds Federated.sln.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The configuration the solution was built in (the test's own).</summary>
    private static string Configuration { get; } =
        typeof(InstalledTools).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Configuration").Value!;

    /// <summary>The path of an installed tool's command.</summary>
    public string Command(string id) => Path.Combine(ToolPath, OperatingSystem.IsWindows() ? id + ".exe" : id);

    /// <summary>Packs and installs the three tools.</summary>
    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        var config = Path.Combine(Root, "nuget.config");

        // Only the local feed: the tool packages carry everything they need, and a network source could only slow this.
        await File.WriteAllTextAsync(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{Feed}" />
              </packageSources>
            </configuration>
            """);

        foreach (var (id, project) in Tools)
        {
            await SucceedAsync(ProcessRunner.Dotnet,
            [
                "pack", Path.Combine(RepositoryRoot, project), "--no-build", "-c", Configuration, "-o", Feed, "-nodeReuse:false",
                $"-p:PublishDir={Path.Combine(Root, "publish", id)}{Path.DirectorySeparatorChar}",
                $"-p:NuspecOutputPath={Path.Combine(Root, "nuspec", id)}{Path.DirectorySeparatorChar}",
            ]);
        }

        // A private package cache: a package of the same version in the user's cache must not stand in for this build's.
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(Root, "packages") };
        foreach (var (id, _) in Tools)
        {
            await SucceedAsync(ProcessRunner.Dotnet,
                ["tool", "install", id, "--version", Version, "--tool-path", ToolPath, "--configfile", config, "--add-source", Feed],
                environment);
        }
    }

    /// <summary>Deletes the temporary directory.</summary>
    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A process still holding a file; the directory is under the system temp directory.
        }

        return Task.CompletedTask;
    }

    private async Task SucceedAsync(string file, string[] arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var result = await ProcessRunner.RunAsync(file, arguments, Root, environment);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.Output}");
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Federated.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Federated.sln above {AppContext.BaseDirectory}");
    }
}
