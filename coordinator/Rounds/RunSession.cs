using Federated.Coordinator.Aggregation;
using Federated.Coordinator.Runs;
using Federated.Model.Parameters;

namespace Federated.Coordinator.Rounds;

/// <summary>A run held in memory by the engine. Guarded by the engine's lock.</summary>
internal sealed class RunSession
{
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RunSession(string id, RunConfig config, ParameterLayout layout, IAggregationStrategy strategy, DateTimeOffset createdAt)
    {
        Id = id;
        Config = config;
        Layout = layout;
        Strategy = strategy;
        CreatedAt = createdAt;
    }

    public string Id { get; }

    public RunConfig Config { get; }

    public string ConfigJson { get; set; } = "";

    public ParameterLayout Layout { get; }

    public IAggregationStrategy Strategy { get; }

    public DateTimeOffset CreatedAt { get; }

    public RunStatus Status { get; set; }

    public string Message { get; set; } = "";

    public long Version { get; set; }

    public int ConsecutiveFailures { get; set; }

    /// <summary>The current global parameters; null for a finished run until someone asks for them.</summary>
    public ParameterSet? Global { get; set; }

    public RoundSession? OpenRound { get; set; }

    public long LastRound { get; set; }

    public HashSet<string> Joined { get; } = new(StringComparer.Ordinal);

    public bool IsActive => Status is RunStatus.Running or RunStatus.Paused;

    /// <summary>Completes when something a waiting node cares about changes.</summary>
    public Task Changed => _changed.Task;

    public void Signal()
    {
        var previous = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }
}
