using System.Collections.Frozen;
using Federated.Coordinator.Rounds;

namespace Federated.Coordinator.Storage;

/// <summary>
/// The stable lower-case names under which enums are stored: the one mapping between an enum member and its text in the
/// database, so renaming a member never changes a file. A name, once written to a file, never changes; a new member
/// gets a new name here (and, if existing rows must change, a step in <see cref="SchemaMigrations"/>).
/// </summary>
internal static class StoredNames
{
    private static readonly (RunStatus Value, string Name)[] RunStatuses =
    [
        (RunStatus.Running, "running"),
        (RunStatus.Paused, "paused"),
        (RunStatus.Completed, "completed"),
        (RunStatus.Stopped, "stopped"),
        (RunStatus.Failed, "failed"),
    ];

    private static readonly (RoundState Value, string Name)[] RoundStates =
    [
        (RoundState.Open, "open"),
        (RoundState.Committed, "committed"),
        (RoundState.Failed, "failed"),
        (RoundState.Abandoned, "abandoned"),
    ];

    private static readonly FrozenDictionary<RunStatus, string> RunStatusNames = RunStatuses.ToFrozenDictionary(p => p.Value, p => p.Name);
    private static readonly FrozenDictionary<string, RunStatus> RunStatusByName = RunStatuses.ToFrozenDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
    private static readonly FrozenDictionary<RoundState, string> RoundStateNames = RoundStates.ToFrozenDictionary(p => p.Value, p => p.Name);
    private static readonly FrozenDictionary<string, RoundState> RoundStateByName = RoundStates.ToFrozenDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);

    /// <summary>The stored name of a run status.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value has no stored name.</exception>
    public static string Of(RunStatus status) =>
        RunStatusNames.TryGetValue(status, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(status), status, "run status has no stored name");

    /// <summary>The stored name of a round state.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value has no stored name.</exception>
    public static string Of(RoundState state) =>
        RoundStateNames.TryGetValue(state, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(state), state, "round state has no stored name");

    /// <summary>The run status stored as <paramref name="name"/>.</summary>
    /// <exception cref="InvalidDataException">The name is not one of the stored names.</exception>
    public static RunStatus ParseRunStatus(string name) =>
        RunStatusByName.TryGetValue(name, out var status) ? status : throw new InvalidDataException($"the store holds an unknown run status '{name}'");

    /// <summary>The round state stored as <paramref name="name"/>.</summary>
    /// <exception cref="InvalidDataException">The name is not one of the stored names.</exception>
    public static RoundState ParseRoundState(string name) =>
        RoundStateByName.TryGetValue(name, out var state) ? state : throw new InvalidDataException($"the store holds an unknown round state '{name}'");
}
