namespace Federated.Coordinator.Tests.Contract;

/// <summary>Finds the repository's contract files from the test's output directory.</summary>
internal static class ContractFiles
{
    /// <summary>The full text of <c>protos/federation.proto</c>.</summary>
    public static string FederationProto() => File.ReadAllText(Find(Path.Combine("protos", "federation.proto")));

    private static string Find(string relativePath)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, relativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"no {relativePath} above {AppContext.BaseDirectory}");
    }
}
