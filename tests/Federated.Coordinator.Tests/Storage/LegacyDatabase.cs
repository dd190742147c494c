using System.Runtime.InteropServices;
using Federated.Coordinator.Rounds;

namespace Federated.Coordinator.Tests.Storage;

/// <summary>
/// A database file as the coordinator wrote it before the schema had a version: today's exact DDL (user_version 0),
/// positional inserts, enums as <c>ToString()</c> text. Built with raw SQL so that it does not depend on the store.
/// </summary>
internal static class LegacyDatabase
{
    /// <summary>The schema text of the unversioned store, copied verbatim.</summary>
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS runs (
            id TEXT PRIMARY KEY, seq INTEGER NOT NULL, name TEXT NOT NULL, config_json TEXT NOT NULL, status TEXT NOT NULL,
            model_version INTEGER NOT NULL, consecutive_failures INTEGER NOT NULL, created_ms INTEGER NOT NULL, message TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS nodes (
            id TEXT PRIMARY KEY, token_hash TEXT NOT NULL, revoked INTEGER NOT NULL, created_ms INTEGER NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS nodes_token ON nodes(token_hash);
        CREATE TABLE IF NOT EXISTS rounds (
            run_id TEXT NOT NULL REFERENCES runs(id), round INTEGER NOT NULL, base_version INTEGER NOT NULL, state TEXT NOT NULL,
            selected TEXT NOT NULL, started_ms INTEGER NOT NULL, deadline_ms INTEGER NOT NULL, closed_ms INTEGER,
            updates INTEGER NOT NULL, result_version INTEGER, PRIMARY KEY (run_id, round));
        CREATE TABLE IF NOT EXISTS uploads (
            run_id TEXT NOT NULL, round INTEGER NOT NULL, node_id TEXT NOT NULL, upload_id TEXT NOT NULL, examples INTEGER NOT NULL,
            received_ms INTEGER NOT NULL, PRIMARY KEY (run_id, round, node_id));
        CREATE TABLE IF NOT EXISTS model_versions (
            run_id TEXT NOT NULL REFERENCES runs(id), version INTEGER NOT NULL, round INTEGER NOT NULL, created_ms INTEGER NOT NULL,
            parameters BLOB NOT NULL, PRIMARY KEY (run_id, version));
        CREATE TABLE IF NOT EXISTS metrics (
            run_id TEXT NOT NULL, round INTEGER NOT NULL, model_version INTEGER NOT NULL, task TEXT NOT NULL, kind TEXT NOT NULL,
            summary BLOB NOT NULL, PRIMARY KEY (run_id, kind, round, task));
        CREATE TABLE IF NOT EXISTS evaluations (
            run_id TEXT NOT NULL, model_version INTEGER NOT NULL, node_id TEXT NOT NULL, PRIMARY KEY (run_id, model_version, node_id));
        """;

    /// <summary>Rows in the old format: every run status and round state as <c>ToString()</c> wrote it.</summary>
    private const string Rows = """
        INSERT INTO runs VALUES ('run-1', 1, 'alpha', '{"name":"alpha"}', 'Running', 2, 0, 1735787045000, '');
        INSERT INTO runs VALUES ('run-2', 2, 'beta', '{"name":"beta"}', 'Paused', 0, 1, 1735787046000, '');
        INSERT INTO runs VALUES ('run-3', 3, 'gamma', '{"name":"gamma"}', 'Completed', 1, 0, 1735787047000, 'all 1 rounds committed');
        INSERT INTO runs VALUES ('run-4', 4, 'delta', '{"name":"delta"}', 'Stopped', 0, 0, 1735787048000, 'stopped by an operator');
        INSERT INTO runs VALUES ('run-5', 5, 'eps', '{"name":"eps"}', 'Failed', 0, 3, 1735787049000, '3 rounds in a row without quorum');
        INSERT INTO rounds VALUES ('run-1', 1, 0, 'Committed', 'n1,n2', 1735787050000, 1735787110000, 1735787080000, 2, 1);
        INSERT INTO rounds VALUES ('run-1', 2, 1, 'Failed', 'n1,n2,n3', 1735787120000, 1735787180000, 1735787180000, 0, NULL);
        INSERT INTO rounds VALUES ('run-1', 3, 1, 'Committed', 'n2', 1735787190000, 1735787250000, 1735787200000, 1, 2);
        INSERT INTO rounds VALUES ('run-1', 4, 2, 'Open', 'n1,n3', 1735787260000, 1735787320000, NULL, 1, NULL);
        INSERT INTO rounds VALUES ('run-4', 1, 0, 'Abandoned', '', 1735787050000, 1735787110000, 1735787060000, 0, NULL);
        INSERT INTO model_versions VALUES ('run-1', 0, 0, 1735787045000, $run1v0);
        INSERT INTO model_versions VALUES ('run-1', 1, 1, 1735787080000, $run1v1);
        INSERT INTO model_versions VALUES ('run-1', 2, 3, 1735787200000, $run1v2);
        INSERT INTO model_versions VALUES ('run-3', 0, 0, 1735787047000, $run3v0);
        INSERT INTO uploads VALUES ('run-1', 4, 'n1', 'upload-7', 120, 1735787270000);
        INSERT INTO metrics VALUES ('run-1', 1, 0, 'click', 'train', $trainClick);
        INSERT INTO metrics VALUES ('run-1', 1, 1, 'click', 'eval', $evalClick);
        INSERT INTO evaluations VALUES ('run-1', 1, 'n2');
        INSERT INTO nodes VALUES ('n1', 'aa11', 0, 1735787000000);
        INSERT INTO nodes VALUES ('n2', 'bb22', 1, 1735787001000);
        """;

    public static readonly float[] Run1Version0 = [0.5f, -1.25f, 3f, float.Epsilon];
    public static readonly float[] Run1Version1 = [0.75f, -1f, 2.5f, 1e-7f];
    public static readonly float[] Run1Version2 = [1f, -0.5f, 2f, -3.5e10f];
    public static readonly float[] Run3Version0 = [42f, 43f];
    public static readonly double[] TrainClick = [0.25, 100, 3.5];
    public static readonly double[] EvalClick = [0.125, 80, 1.5, -2];

    public static readonly StoredRun[] Runs =
    [
        new("run-1", "alpha", """{"name":"alpha"}""", RunStatus.Running, 2, 0, Ms(1735787045000), ""),
        new("run-2", "beta", """{"name":"beta"}""", RunStatus.Paused, 0, 1, Ms(1735787046000), ""),
        new("run-3", "gamma", """{"name":"gamma"}""", RunStatus.Completed, 1, 0, Ms(1735787047000), "all 1 rounds committed"),
        new("run-4", "delta", """{"name":"delta"}""", RunStatus.Stopped, 0, 0, Ms(1735787048000), "stopped by an operator"),
        new("run-5", "eps", """{"name":"eps"}""", RunStatus.Failed, 0, 3, Ms(1735787049000), "3 rounds in a row without quorum"),
    ];

    public static readonly StoredRound[] Run1Rounds =
    [
        new("run-1", 1, 0, RoundState.Committed, ["n1", "n2"], Ms(1735787050000), Ms(1735787110000), Ms(1735787080000), 2, 1),
        new("run-1", 2, 1, RoundState.Failed, ["n1", "n2", "n3"], Ms(1735787120000), Ms(1735787180000), Ms(1735787180000), 0, null),
        new("run-1", 3, 1, RoundState.Committed, ["n2"], Ms(1735787190000), Ms(1735787250000), Ms(1735787200000), 1, 2),
        new("run-1", 4, 2, RoundState.Open, ["n1", "n3"], Ms(1735787260000), Ms(1735787320000), null, 1, null),
    ];

    public static readonly StoredRound Run4Round =
        new("run-4", 1, 0, RoundState.Abandoned, [], Ms(1735787050000), Ms(1735787110000), Ms(1735787060000), 0, null);

    public static readonly StoredNode[] Nodes =
    [
        new("n1", "aa11", false, Ms(1735787000000)),
        new("n2", "bb22", true, Ms(1735787001000)),
    ];

    /// <summary>Writes the old schema and rows to a new file at <paramref name="database"/>; user_version stays 0.</summary>
    public static void Create(TempDatabase database)
    {
        using var connection = database.OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = Schema + Rows;
        command.Parameters.AddWithValue("$run1v0", Bytes(Run1Version0));
        command.Parameters.AddWithValue("$run1v1", Bytes(Run1Version1));
        command.Parameters.AddWithValue("$run1v2", Bytes(Run1Version2));
        command.Parameters.AddWithValue("$run3v0", Bytes(Run3Version0));
        command.Parameters.AddWithValue("$trainClick", MemoryMarshal.AsBytes(TrainClick.AsSpan()).ToArray());
        command.Parameters.AddWithValue("$evalClick", MemoryMarshal.AsBytes(EvalClick.AsSpan()).ToArray());
        command.ExecuteNonQuery();
    }

    /// <summary>Asserts a round equals an expected one, its node list by value.</summary>
    public static void AssertRound(StoredRound expected, StoredRound actual)
    {
        Assert.Equal(expected.Selected, actual.Selected);
        Assert.Equal(expected.Released ?? [], actual.Released ?? []);
        Assert.Equal(expected with { Selected = [], Released = null }, actual with { Selected = [], Released = null });
    }

    private static byte[] Bytes(float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static DateTimeOffset Ms(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
}
