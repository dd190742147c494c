using System.CommandLine;
using System.Globalization;
using Federated.Client.Training;
using Federated.Model.Metrics;
using Spectre.Console;

namespace Federated.Client.Cli;

/// <summary><c>evaluate</c> and <c>recommend</c> with <c>--member-state</c>: an ensemble of several runs' models on this node's data.</summary>
public sealed partial class NodeCommandLine
{
    private readonly Option<string[]> _memberStates = new("--member-state")
    {
        Description = "Another run's state directory on the same data (repeatable): score with the mean prediction of its model and --state's, an ensemble of runs (e.g. the same recommender trained with other seeds)",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>
    /// The models of <c>--state</c> and each <c>--member-state</c> on the same data, as one ensemble; null without
    /// members. <paramref name="explain"/> and <paramref name="model"/> explain or replace one model, so they are refused with members.
    /// </summary>
    private Members? OpenMembers(NodeSettings settings, string[]? directories, bool explain, FileInfo? model = null)
    {
        if (directories is not { Length: > 0 })
        {
            return null;
        }

        if (explain)
        {
            throw new UsageException("--explain explains one model: give it without --member-state");
        }

        if (model is not null)
        {
            throw new UsageException("--model and --member-state: the members are state directories; give one or the other");
        }

        var opened = new List<(GlobalModel Global, NodeTrainingSession Session)>();
        try
        {
            foreach (var directory in new[] { settings.State }.Concat(directories))
            {
                if (!Directory.Exists(directory))
                {
                    throw new UsageException($"--member-state {directory}: no such directory");
                }

                if (opened.Any(o => Path.GetFullPath(o.Session.StatePath) == Path.GetFullPath(Path.Combine(directory, NodeTrainingSession.StateFileName))))
                {
                    throw new UsageException($"--member-state {directory}: already a member (each run's state counts once)");
                }

                opened.Add(OpenModel(settings with { State = directory }));
            }

            var ensemble = new SessionEnsemble([.. opened.Select(o => o.Session)]);
            return new Members(opened, ensemble);
        }
        catch (ArgumentException e)
        {
            Dispose(opened);
            throw new UsageException("--member-state: " + e.Message);
        }
        catch
        {
            Dispose(opened);
            throw;
        }
    }

    private int EvaluateEnsemble(Members members, DataPart part)
    {
        using (members)
        {
            IReadOnlyList<TaskMetrics> metrics;
            try
            {
                metrics = members.Ensemble.Evaluate(part);
            }
            catch (InvalidOperationException e)
            {
                throw new UsageException("--member-state: " + e.Message);
            }

            _console.Write(MetricsTable(metrics, $"Mean of {members.Count} runs ({members.Describe()}): {part.ToString().ToLowerInvariant()} data"));
            return ExitCodes.Ok;
        }
    }

    private static IReadOnlyList<Recommendation> RecommendByEnsemble(Members members, string user, int k, bool excludeSeen, string? rankBy)
    {
        try
        {
            return members.Ensemble.Recommend(user, k, excludeSeen, rankBy);
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException("--member-state: " + e.Message);
        }
    }

    private static void Dispose(List<(GlobalModel Global, NodeTrainingSession Session)> opened)
    {
        foreach (var (_, session) in opened)
        {
            session.Dispose();
        }
    }

    /// <summary>The opened members (the first is <c>--state</c>'s) and their ensemble; disposing closes every session.</summary>
    private sealed class Members(List<(GlobalModel Global, NodeTrainingSession Session)> opened, SessionEnsemble ensemble) : IDisposable
    {
        public SessionEnsemble Ensemble { get; } = ensemble;

        public int Count => opened.Count;

        public GlobalModel First => opened[0].Global;

        public NodeTrainingSession FirstSession => opened[0].Session;

        /// <summary>Each member's run and version, e.g. <c>run-1 v3, run-2 v5</c>.</summary>
        public string Describe() => string.Join(", ", opened.Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Global.RunId} v{o.Global.ModelVersion}")));

        public void Dispose() => NodeCommandLine.Dispose(opened);
    }
}
