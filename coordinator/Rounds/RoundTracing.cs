using System.Diagnostics;
using System.Globalization;

namespace Federated.Coordinator.Rounds;

/// <summary>
/// Traces of rounds as <see cref="Activity"/>s of the source <c>Federated.Coordinator</c> (System.Diagnostics only; the
/// host decides whether anyone listens, e.g. OpenTelemetry): one <c>federated.round</c> activity from a round's start to
/// its end (committed, failed or abandoned), with a <c>federated.update</c> child per update submitted to it and a
/// <c>federated.commit</c> child for its aggregation and storage. Without a listener nothing is created.
/// </summary>
/// <remarks>
/// A round outlives the call that opens it, so its activity has no parent and never becomes <see cref="Activity.Current"/>;
/// the children name it as their parent by context, and the ambient activity of the call (a gRPC request's) is left as
/// it was.
/// </remarks>
public static class RoundTracing
{
    /// <summary>The activity source's name.</summary>
    public const string SourceName = "Federated.Coordinator";

    /// <summary>The round activity's name.</summary>
    public const string RoundActivity = "federated.round";

    /// <summary>An update's activity's name.</summary>
    public const string UpdateActivity = "federated.update";

    /// <summary>A commit's activity's name.</summary>
    public const string CommitActivity = "federated.commit";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>Starts a round's activity (null when nobody listens).</summary>
    internal static Activity? StartRound(string runId, long round, long baseVersion, int selected)
    {
        // A default parent context means "the ambient activity": clear it so that the round is a root of its own.
        var ambient = Activity.Current;
        Activity.Current = null;
        var activity = Source.StartActivity(RoundActivity, ActivityKind.Internal, parentContext: default);
        Activity.Current = ambient;
        activity?.SetTag("federated.run_id", runId)
            .SetTag("federated.round", round)
            .SetTag("federated.base_version", baseVersion)
            .SetTag("federated.selected", selected);
        return activity;
    }

    /// <summary>Ends a round's activity with its outcome (<c>committed</c>, <c>failed</c>, <c>abandoned</c>), its updates and the version it produced.</summary>
    internal static void EndRound(Activity? round, string outcome, int updates, long? version = null)
    {
        if (round is null)
        {
            return;
        }

        round.SetTag("federated.outcome", outcome).SetTag("federated.updates", updates);
        if (version is { } v)
        {
            round.SetTag("federated.version", v);
        }

        if (outcome != "committed")
        {
            round.SetStatus(ActivityStatusCode.Error, outcome);
        }

        StopKeepingAmbient(round);
    }

    /// <summary>Starts the activity of an update submitted to <paramref name="open"/> (when it is the update's round and someone listens).</summary>
    internal static Step? StartUpdate(RoundSession? open, string nodeId, long round) =>
        open?.Trace is { } parent && open.Round == round
            ? Step.Start(UpdateActivity, parent, ("federated.node_id", nodeId), ("federated.round", round.ToString(CultureInfo.InvariantCulture)))
            : null;

    /// <summary>Starts the activity of a round's commit.</summary>
    internal static Step? StartCommit(RoundSession open) =>
        open.Trace is { } parent ? Step.Start(CommitActivity, parent, ("federated.updates", open.Accepted.Count.ToString(CultureInfo.InvariantCulture))) : null;

    private static void StopKeepingAmbient(Activity activity)
    {
        // Stop makes the activity's parent current; the ambient one of the call is put back instead.
        var ambient = Activity.Current;
        activity.Stop();
        Activity.Current = ambient == activity ? null : ambient;
    }

    /// <summary>A child activity of a round, stopped on dispose without changing the caller's ambient activity.</summary>
    internal sealed class Step : IDisposable
    {
        private readonly Activity _activity;
        private bool _stopped;

        private Step(Activity activity) => _activity = activity;

        public static Step? Start(string name, Activity round, params ReadOnlySpan<(string Key, string Value)> tags)
        {
            var ambient = Activity.Current;
            var activity = Source.StartActivity(name, ActivityKind.Internal, round.Context);
            Activity.Current = ambient;
            if (activity is null)
            {
                return null;
            }

            foreach (var (key, value) in tags)
            {
                activity.SetTag(key, value);
            }

            return new Step(activity);
        }

        /// <summary>Marks the step refused or failed, with the reason.</summary>
        public void Fail(string reason) => _activity.SetStatus(ActivityStatusCode.Error, reason).SetTag("federated.rejection", reason);

        /// <summary>Adds a tag.</summary>
        public void Tag(string key, object? value) => _activity.SetTag(key, value);

        /// <summary>Stops the activity (once; a second call does nothing).</summary>
        public void Dispose()
        {
            if (!_stopped)
            {
                _stopped = true;
                StopKeepingAmbient(_activity);
            }
        }
    }
}
