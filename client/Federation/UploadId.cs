using System.Security.Cryptography;
using System.Text;

namespace Federated.Client.Federation;

/// <summary>
/// Upload ids derived from what an update is — (node, run, round, base version) — so that a retry, even by a restarted
/// process, sends the same id and the coordinator recognises it instead of counting it twice.
/// </summary>
public static class UploadId
{
    /// <summary>The id of the update of <paramref name="nodeId"/> for <paramref name="round"/> of <paramref name="runId"/> from <paramref name="baseVersion"/>: 32 hex digits.</summary>
    public static string For(string nodeId, string runId, long round, long baseVersion)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        ArgumentNullException.ThrowIfNull(runId);

        // Length-prefixed parts, so that no two tuples share a byte string.
        var text = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{nodeId.Length}:{nodeId}|{runId.Length}:{runId}|{round}|{baseVersion}");
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}
