using System.Text.Json;

namespace Federated.Coordinator.Cli;

/// <summary>Reads a run config file for <c>admin start-run</c>: its problems are the operator's, named here before anything is sent.</summary>
internal static class RunConfigFile
{
    /// <summary>The file's text, once it is known to be JSON; the coordinator validates its keys and values.</summary>
    /// <exception cref="AdminInputException">The file is missing, unreadable or not JSON.</exception>
    public static async Task<string> ReadAsync(FileInfo file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        string json;
        try
        {
            json = await File.ReadAllTextAsync(file.FullName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new AdminInputException($"run config file '{file.FullName}' does not exist");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new AdminInputException($"run config file '{file.FullName}' cannot be read: {e.Message}");
        }

        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}" : "";
            throw new AdminInputException($"run config file '{file.FullName}' is not JSON{where}");
        }

        return json;
    }
}
