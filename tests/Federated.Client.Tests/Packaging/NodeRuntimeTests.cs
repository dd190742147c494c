using System.Text.Json;
using Federated.Client.Federation;

namespace Federated.Client.Tests.Packaging;

/// <summary>
/// A node machine needs the .NET runtime only, not ASP.NET Core: the built client's runtimeconfig.json and deps.json
/// (copied next to Federated.Client.dll in this test's output) say what it needs at run time.
/// </summary>
public sealed class NodeRuntimeTests
{
    private static readonly string ClientDirectory = Path.GetDirectoryName(typeof(GrpcCoordinatorConnection).Assembly.Location)!;

    [Fact]
    public void RuntimeConfig_BuiltClient_NamesOnlyTheNetCoreFramework()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(ClientDirectory, "Federated.Client.runtimeconfig.json")));
        var options = config.RootElement.GetProperty("runtimeOptions");

        var frameworks = new List<string>();
        if (options.TryGetProperty("framework", out var single))
        {
            frameworks.Add(single.GetProperty("name").GetString()!);
        }

        if (options.TryGetProperty("frameworks", out var several))
        {
            frameworks.AddRange(several.EnumerateArray().Select(f => f.GetProperty("name").GetString()!));
        }

        Assert.Equal(["Microsoft.NETCore.App"], frameworks);
    }

    [Fact]
    public void Deps_BuiltClient_NoAspNetCorePackageThroughProtos()
    {
        using var deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(ClientDirectory, "Federated.Client.deps.json")));
        var target = deps.RootElement.GetProperty("targets").EnumerateObject().Single().Value;

        var libraries = target.EnumerateObject().Select(l => l.Name).ToList();
        var protos = target.EnumerateObject().Single(l => l.Name.StartsWith("Federated.Protos/", StringComparison.Ordinal)).Value;
        var protosDependencies = protos.GetProperty("dependencies").EnumerateObject().Select(d => d.Name).ToList();

        Assert.Contains("Grpc.Core.Api", protosDependencies);
        Assert.DoesNotContain(protosDependencies, IsAspNet);
        Assert.DoesNotContain(libraries, IsAspNet);
        Assert.Contains(libraries, l => l.StartsWith("Grpc.Net.Client/", StringComparison.Ordinal));
    }

    private static bool IsAspNet(string library) =>
        library.StartsWith("Grpc.AspNetCore", StringComparison.Ordinal) || library.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal);
}
