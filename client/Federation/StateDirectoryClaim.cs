using System.Globalization;
using Federated.Client.Training;

namespace Federated.Client.Federation;

/// <summary>
/// Makes sure a node's state directory belongs to the run it joined before anything in it is loaded or overwritten: the
/// directory's <c>global-model.bin</c> names its run and model layout (<see cref="GlobalModelStore"/>), and local state
/// of another run, or of no run it can name, is never resumed silently.
/// </summary>
public static class StateDirectoryClaim
{
    /// <summary>The files of a node's state directory.</summary>
    public static IReadOnlyList<string> StateFiles { get; } = [NodeTrainingSession.StateFileName, GlobalModelStore.FileName];

    /// <summary>
    /// Claims <paramref name="directory"/> for <paramref name="runId"/> with the model layout <paramref name="fingerprint"/>.
    /// An empty directory, or one holding the state of that same run and layout, is taken as it is. With
    /// <paramref name="fresh"/> any state files are moved aside into a <c>discarded-&lt;UTC time&gt;</c> subdirectory first.
    /// </summary>
    /// <returns>Where the discarded files went, or null when nothing was moved.</returns>
    /// <exception cref="LocalStateException">The directory holds the state of another run or layout (or of a run it cannot name), and <paramref name="fresh"/> is false.</exception>
    public static string? Claim(string directory, string runId, string fingerprint, bool fresh, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(fingerprint);
        var present = StateFiles.Where(f => File.Exists(Path.Combine(directory, f))).ToList();
        if (present.Count == 0)
        {
            return null;
        }

        if (fresh)
        {
            var now = (time ?? TimeProvider.System).GetUtcNow();
            var aside = Path.Combine(directory, "discarded-" + now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
            Directory.CreateDirectory(aside);
            foreach (var file in present)
            {
                File.Move(Path.Combine(directory, file), Path.Combine(aside, file), overwrite: true);
            }

            return aside;
        }

        var full = Path.GetFullPath(directory);
        var remedy = "use another --state, or --fresh to discard it";
        GlobalModelIdentity? identity;
        try
        {
            identity = GlobalModelStore.TryReadIdentity(Path.Combine(directory, GlobalModelStore.FileName));
        }
        catch (LocalStateException e)
        {
            throw new LocalStateException($"state directory {full} cannot be read ({e.Message}); this is run '{runId}': {remedy}", e);
        }

        if (identity is null)
        {
            // Local state without the global model that names its run (an older node, or a copy): it cannot be told apart.
            throw new LocalStateException($"state directory {full} holds local state of a run it does not name (no {GlobalModelStore.FileName}); this is run '{runId}': {remedy}");
        }

        if (!string.Equals(identity.RunId, runId, StringComparison.Ordinal))
        {
            throw new LocalStateException($"state directory {full} holds run '{identity.RunId}' (model version {identity.ModelVersion}); this is run '{runId}': {remedy}");
        }

        if (!string.Equals(identity.Fingerprint, fingerprint, StringComparison.Ordinal))
        {
            throw new LocalStateException($"state directory {full} holds run '{runId}' with model layout {identity.Fingerprint}, but the run's model now has layout {fingerprint}: {remedy}");
        }

        return null;
    }
}
