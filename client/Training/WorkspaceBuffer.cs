using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;

namespace Federated.Client.Training;

/// <summary>
/// The lending of a workspace's parameter buffer: what its shared tensors hold (which global instance, which version,
/// which shared rows training changed since) and whose local state it holds, so that lending it to a client copies
/// only what differs.
/// </summary>
/// <remarks>
/// <para>
/// Shared tensors are refreshed incrementally: the buffer remembers the global (instance and version) it last copied
/// and which shared rows training changed since, and restores only those rows and the small shared dense tensors; a
/// new instance or version is copied in full. So a (global, version) pair must not change while it is used.
/// </para>
/// <para>
/// A client's local state is restored from its store unless the buffer still holds it from that client's previous
/// lending at the store's current revision (another workspace may have trained the client since); a lending whose
/// training was not saved must be forgotten (<see cref="ForgetClient"/>). Not thread-safe.
/// </para>
/// </remarks>
internal sealed class WorkspaceBuffer
{
    private readonly ModelSpec _spec;
    private readonly bool _incrementalShared;
    private readonly TensorInfo[] _sharedDense;
    private readonly int[] _sharedFields;
    private readonly int[][] _dirtyRows;
    private ParameterSet? _syncedGlobal;
    private long _syncedVersion;
    private bool _sharedDenseDirty;
    private LocalClient? _loaded;
    private long _loadedRevision;

    /// <summary>The lending of <paramref name="parameters"/>, a buffer of <paramref name="model"/>'s full layout.</summary>
    /// <param name="model">The model.</param>
    /// <param name="parameters">The buffer.</param>
    /// <param name="incrementalShared">False to copy every shared tensor at every lending (a session's own buffer).</param>
    public WorkspaceBuffer(CompiledModel model, ParameterSet parameters, bool incrementalShared)
    {
        var spec = model.Spec;
        _spec = spec;
        _incrementalShared = incrementalShared;
        Parameters = parameters;
        _sharedDense = [.. parameters.Layout.InScope(ParameterScope.Shared).Where(t => t.Kind != TensorKind.Embedding)];
        _sharedFields = [.. Enumerable.Range(0, spec.Fields.Count).Where(f => spec.Fields[f].Scope == ParameterScope.Shared)];
        _dirtyRows = new int[spec.Fields.Count][];
        Array.Fill(_dirtyRows, Array.Empty<int>());
    }

    /// <summary>The buffer.</summary>
    public ParameterSet Parameters { get; }

    /// <summary>Brings the shared tensors to <paramref name="global"/> at <paramref name="modelVersion"/> and the local ones to <paramref name="client"/>'s state.</summary>
    /// <exception cref="ArgumentException">The client's or the global's model differs from the buffer's.</exception>
    /// <exception cref="InvalidOperationException">The client's store cannot restore a complete state.</exception>
    public void Lend(LocalClient client, ParameterSet global, long modelVersion)
    {
        ArgumentNullException.ThrowIfNull(client);
        RequireLayout(global);
        if (client.LayoutFingerprint != Parameters.Layout.Fingerprint)
        {
            throw new ArgumentException(
                $"the client's data is encoded for layout {client.LayoutFingerprint}, but this workspace's model has {Parameters.Layout.Fingerprint}", nameof(client));
        }

        SyncShared(global, modelVersion);
        // The same client at the same revision: the buffer holds its state. Another workspace may have trained and saved
        // the client since this one last held it (which worker gets which client is up to the thread pool), so the
        // revision is compared too, or the buffer would go on from a stale state.
        if (!ReferenceEquals(_loaded, client) || _loadedRevision != client.State.Revision)
        {
            _loaded = null;
            if (!client.State.RestoresCompleteState)
            {
                throw new InvalidOperationException(
                    "the client's local state store holds no complete state yet (a state file that does not exist), so it cannot be restored into a shared workspace");
            }

            client.State.TryLoad(Parameters);
            _loaded = client;
            _loadedRevision = client.State.Revision;
        }
    }

    /// <summary>Copies every shared tensor of <paramref name="global"/> and forgets what was dirty.</summary>
    public void CopyShared(ParameterSet global, long modelVersion)
    {
        Parameters.CopyScopeFrom(global, ParameterScope.Shared);
        _syncedGlobal = global;
        _syncedVersion = modelVersion;
        _sharedDenseDirty = false;
        Array.Fill(_dirtyRows, Array.Empty<int>());
    }

    /// <summary>Records what <paramref name="trainer"/> changed in the shared tensors, so the next lending restores exactly that.</summary>
    public void MarkTrained(MultiTaskTrainer trainer)
    {
        if (trainer.Steps == 0)
        {
            return;
        }

        _sharedDenseDirty = true;
        foreach (var f in _sharedFields)
        {
            var touched = trainer.TouchedRows(f);
            if (touched.Count == 0)
            {
                continue;
            }

            // Rows from an earlier lending not yet restored stay dirty too.
            var rows = touched.ToArray();
            _dirtyRows[f] = _dirtyRows[f].Length == 0 ? rows : [.. _dirtyRows[f].Union(rows)];
        }
    }

    /// <summary>The local tensors were changed but not saved: the next lending must restore them.</summary>
    public void ForgetClient() => _loaded = null;

    /// <summary>The lent client's state was saved from this buffer: the buffer holds the store's newest revision.</summary>
    public void MarkSaved(LocalClient client)
    {
        if (ReferenceEquals(_loaded, client))
        {
            _loadedRevision = client.State.Revision;
        }
    }

    /// <summary>Throws unless <paramref name="global"/> has the buffer's layout.</summary>
    /// <exception cref="ArgumentException">Another layout.</exception>
    public void RequireLayout(ParameterSet global)
    {
        ArgumentNullException.ThrowIfNull(global);
        if (global.Layout.Fingerprint != Parameters.Layout.Fingerprint)
        {
            throw new ArgumentException(
                $"the shared parameters have layout {global.Layout.Fingerprint}, but this node's model has {Parameters.Layout.Fingerprint}", nameof(global));
        }
    }

    private void SyncShared(ParameterSet global, long modelVersion)
    {
        if (!_incrementalShared || !ReferenceEquals(_syncedGlobal, global) || _syncedVersion != modelVersion)
        {
            CopyShared(global, modelVersion);
            return;
        }

        if (_sharedDenseDirty)
        {
            foreach (var tensor in _sharedDense)
            {
                global[tensor].CopyTo(Parameters[tensor]);
            }

            _sharedDenseDirty = false;
        }

        foreach (var f in _sharedFields)
        {
            var rows = _dirtyRows[f];
            if (rows.Length == 0)
            {
                continue;
            }

            var table = Parameters.Layout[TensorNames.Embedding(_spec.Fields[f].Name)];
            var dim = table.Columns;
            foreach (var row in rows)
            {
                var start = table.Offset + (row * dim);
                global.Values.AsSpan(start, dim).CopyTo(Parameters.Values.AsSpan(start, dim));
            }

            _dirtyRows[f] = [];
        }
    }
}
