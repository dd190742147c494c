using Federated.Client.Data;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Training;

/// <summary>
/// A node's local training loop: for each assignment it takes the shared parameters of the given
/// version, trains on the node's training split, and returns the update of the shared tensors as the node's
/// update pipeline prepared it (compute Δ, clip, then any <see cref="NodeTrainingOptions.ExtraUpdateTransforms"/>);
/// local tensors (user embeddings of local fields, local task heads) never leave it and are
/// saved to the state directory after every round.
/// </summary>
/// <remarks>
/// <para>
/// Per round, with θ_g the received shared parameters and θ_l the node's local ones, the node minimises
/// L(θ) + (μ/2)·‖θ_shared − θ_g‖² (FedProx, Li et al. 2020; μ = 0 is FedAvg's local step) for the
/// assignment's epochs with a fresh optimiser, then sends Δ = θ_shared − θ_g clipped to ‖Δ‖₂ ≤ C.
/// Embedding tables are sent row-sparse (only rows touched this round) when the assignment asks.
/// </para>
/// <para>
/// After <see cref="Train"/>, <see cref="Parameters"/> holds the locally trained model (shared part
/// included) until the next <see cref="LoadShared"/> or <see cref="Train"/>. A session created on an
/// existing state directory continues with the saved local tensors. Not thread-safe.
/// </para>
/// </remarks>
public sealed partial class NodeTrainingSession : IDisposable
{
    /// <summary>The file name of the local state in the state directory.</summary>
    public const string StateFileName = "local-state.bin";

    private readonly NodeDataset _data;
    private readonly NodeTrainingOptions _options;
    private readonly LocalClient _client;
    private readonly TrainingWorkspace _workspace;

    /// <summary>Opens a session; loads the local state if the directory has one.</summary>
    /// <param name="data">The node's data, encoded for the run's model (<see cref="NodeDataset.Model"/>, compiled once by the caller).</param>
    /// <param name="stateDirectory">Where local tensors are kept (created if missing).</param>
    /// <param name="options">Session settings; defaults when null.</param>
    /// <exception cref="LocalStateException">The saved state is for another model, or damaged.</exception>
    public NodeTrainingSession(NodeDataset data, string stateDirectory, NodeTrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(stateDirectory);
        _data = data;
        _options = options ?? new NodeTrainingOptions();
        Directory.CreateDirectory(stateDirectory);
        StatePath = Path.Combine(stateDirectory, StateFileName);
        Parameters = data.Model.Initialize(_options.Seed);
        var store = new FileLocalStateStore(StatePath);
        var header = store.TryLoad(Parameters);
        if (header is null)
        {
            // A fresh node: its local heads that start from data do so from its own training split, before any training.
            DataOutputBias.Apply(Parameters, data, ParameterScope.Local);
        }

        _client = new LocalClient(data, store, _options.Seed);
        _workspace = new TrainingWorkspace(data.Model, Parameters, _options, incrementalShared: false);
        LastRound = header?.Round;
        ModelVersion = header?.ModelVersion;
    }

    /// <summary>The compiled model (that of <see cref="Data"/>).</summary>
    public CompiledModel Model => _data.Model;

    /// <summary>The model's spec.</summary>
    public ModelSpec Spec => _data.Spec;

    /// <summary>The node's data.</summary>
    public NodeDataset Data => _data;

    /// <summary>The node's current parameters (full layout).</summary>
    public ParameterSet Parameters { get; }

    /// <summary>The local state file.</summary>
    public string StatePath { get; }

    /// <summary>The last round trained (also after a restart), or null for a fresh node.</summary>
    public long? LastRound { get; private set; }

    /// <summary>The shared model version last loaded or trained from, or null.</summary>
    public long? ModelVersion { get; private set; }

    /// <summary>Replaces the shared tensors with <paramref name="global"/>'s (e.g. to evaluate a new version).</summary>
    /// <param name="global">Parameters with the model's layout; only shared tensors are read.</param>
    /// <param name="modelVersion">Their version.</param>
    public void LoadShared(ParameterSet global, long modelVersion)
    {
        RequireLayout(global);
        Parameters.CopyScopeFrom(global, ParameterScope.Shared);
        ModelVersion = modelVersion;
    }

    /// <summary>Runs one assignment.</summary>
    /// <param name="assignment">Round, version and training configuration.</param>
    /// <param name="global">The shared parameters of <see cref="TrainingAssignment.ModelVersion"/>, full layout; only shared tensors are read; not modified.</param>
    /// <param name="cancellationToken">Checked between steps; on cancellation nothing is saved.</param>
    /// <returns>The update and its metadata.</returns>
    /// <exception cref="InvalidOperationException">The node has no training examples.</exception>
    public LocalUpdate Train(TrainingAssignment assignment, ParameterSet global, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        assignment.Validate();
        RequireLayout(global);
        if (_data.Split.Train.Length == 0)
        {
            throw new InvalidOperationException("the node has no training examples");
        }

        _workspace.CopyShared(global, assignment.ModelVersion);
        ModelVersion = assignment.ModelVersion;
        var update = _workspace.TrainLent(_client, assignment, global, cancellationToken);
        LastRound = assignment.Round;
        return update;
    }

    /// <summary>Evaluates the current parameters on a part of the split.</summary>
    /// <param name="part">Which part; default validation.</param>
    /// <returns>One mergeable summary per task, in the model's task order.</returns>
    public IReadOnlyList<TaskMetrics> Evaluate(DataPart part = DataPart.Validation) => _workspace.EvaluateLent(_data, part);

    /// <summary>
    /// The top-K items for a user, scored by the current parameters. Candidates are the items seen in
    /// the node's data; each is scored with the user's features and the item's features.
    /// </summary>
    /// <param name="user">The user key (as in the data).</param>
    /// <param name="k">How many items, ≥ 1.</param>
    /// <param name="excludeSeen">Leave out items the user has already interacted with. Default true.</param>
    /// <param name="rankBy">The task ranked by; default the first binary task, else the first task.</param>
    /// <returns>Up to K items, best first (ties by item key).</returns>
    /// <exception cref="ArgumentException">The user has no examples, the data names no user/item field, or the task is unknown.</exception>
    public IReadOnlyList<Recommendation> Recommend(string user, int k, bool excludeSeen = true, string? rankBy = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var candidates = ScoreCandidates(user, excludeSeen);
        var rankTask = RankTask(rankBy);
        if (rankTask < 0)
        {
            throw new ArgumentException($"the model has no task '{rankBy}'", nameof(rankBy));
        }

        return Rank(candidates, rankTask, k);
    }

    /// <summary>
    /// Every candidate item for <paramref name="user"/> with each task's prediction (regression: the value; binary: the
    /// probability), in the order of the data's items: what <see cref="Recommend"/> ranks, and what an ensemble averages.
    /// </summary>
    /// <exception cref="ArgumentException">The data names no user/item field, or the user has no examples.</exception>
    public IReadOnlyList<(string Item, float[] Predictions)> ScoreCandidates(string user, bool excludeSeen = true)
    {
        ArgumentNullException.ThrowIfNull(user);
        var table = _data.Table;
        if (table.Schema.UserField is null || table.Schema.ItemField is null)
        {
            throw new ArgumentException("the data schema names no user field and item field, so it cannot recommend", nameof(user));
        }

        if (!table.TryFindUser(user, out var userRow, out var seen))
        {
            throw new ArgumentException($"user '{user}' has no examples on this node", nameof(user));
        }

        return ScoreCandidates(userRow, seen, excludeSeen);
    }

    /// <summary>The top <paramref name="k"/> of scored items by task <paramref name="rankTask"/>, best first, ties by item key.</summary>
    /// <param name="scored">Items with one prediction per task, in the model's task order.</param>
    /// <param name="rankTask">The index of the task ranked by.</param>
    /// <param name="k">How many, ≥ 1.</param>
    internal IReadOnlyList<Recommendation> Rank(IEnumerable<(string Item, float[] Predictions)> scored, int rankTask, int k)
    {
        var ranked = scored.ToList();
        ranked.Sort((a, b) => b.Predictions[rankTask].CompareTo(a.Predictions[rankTask]) is var c && c != 0 ? c : string.CompareOrdinal(a.Item, b.Item));

        // Named figures only for the items returned: a candidate list holds every item the node knows.
        var top = new List<Recommendation>(Math.Min(k, ranked.Count));
        foreach (var (item, predictions) in ranked.Take(k))
        {
            var values = new Dictionary<string, float>(StringComparer.Ordinal);
            for (var t = 0; t < Spec.Tasks.Count; t++)
            {
                values[Spec.Tasks[t].Name] = predictions[t];
            }

            top.Add(new Recommendation(item, predictions[rankTask], values));
        }

        return top;
    }

    /// <summary>The task ranked by: <paramref name="rankBy"/>'s index, or by default the first binary task, else the first; −1 for an unknown name.</summary>
    internal int RankTask(string? rankBy) => rankBy is null ? DefaultRankTask() : Spec.TaskIndex(rankBy);

    /// <summary>
    /// The current model's predictions on a part of the split and the rows' labels, in the part's row order (see
    /// <see cref="TrainingWorkspace.Predict"/>): what an ensemble of several runs' models averages.
    /// </summary>
    /// <param name="part">Which part.</param>
    /// <param name="predictions">Per task, at least the part's row count long.</param>
    /// <param name="labels">Per task, at least the part's row count long.</param>
    public void Predict(DataPart part, float[][] predictions, float[][] labels) => _workspace.PredictLent(_data, part, predictions, labels);

    private List<(string Item, float[] Predictions)> ScoreCandidates(int userRow, HashSet<int> seen, bool excludeSeen)
    {
        var table = _data.Table;
        var firstRows = table.FirstRowOfItems();
        var candidates = new List<int>();
        for (var item = 0; item < firstRows.Length; item++)
        {
            if (!excludeSeen || !seen.Contains(item))
            {
                candidates.Add(item);
            }
        }

        var (trainer, batch, predictions) = _workspace.Inference();
        var scored = new List<(string Item, float[] Predictions)>(candidates.Count);
        for (var start = 0; start < candidates.Count; start += batch.Capacity)
        {
            batch.Clear();
            var n = Math.Min(batch.Capacity, candidates.Count - start);
            for (var i = 0; i < n; i++)
            {
                table.AddCombined(batch, userRow, firstRows[candidates[start + i]], _data.Standardizer);
            }

            trainer.Predict(batch, predictions);
            for (var i = 0; i < n; i++)
            {
                var values = new float[Spec.Tasks.Count];
                for (var t = 0; t < values.Length; t++)
                {
                    values[t] = predictions[t][i];
                }

                scored.Add((table.Items[candidates[start + i]], values));
            }
        }

        return scored;
    }

    /// <inheritdoc/>
    public void Dispose() => _workspace.Dispose();

    private int DefaultRankTask()
    {
        for (var t = 0; t < Spec.Tasks.Count; t++)
        {
            if (Spec.Tasks[t].Kind == TaskKind.Binary)
            {
                return t;
            }
        }

        return 0;
    }

    private void RequireLayout(ParameterSet global)
    {
        ArgumentNullException.ThrowIfNull(global);
        if (global.Layout.Fingerprint != Parameters.Layout.Fingerprint)
        {
            throw new ArgumentException(
                $"the shared parameters have layout {global.Layout.Fingerprint}, but this node's model has {Parameters.Layout.Fingerprint}", nameof(global));
        }
    }
}
