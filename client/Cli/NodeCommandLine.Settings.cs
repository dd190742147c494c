using System.CommandLine;
using System.Globalization;
using Federated.Client.Data;

namespace Federated.Client.Cli;

/// <summary>The node's settings: each option over its environment variable over appsettings.json, checked once.</summary>
public sealed partial class NodeCommandLine
{
    /// <summary>The merged settings of a parse: options over environment over appsettings.</summary>
    /// <exception cref="UsageException">A value does not parse.</exception>
    public NodeSettings Resolve(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var seedText = Setting(parse, _seed, "Seed");
        if (!int.TryParse(seedText ?? "0", NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed))
        {
            throw new UsageException($"the seed must be an integer, not '{seedText}' (--seed / FEDERATED_SEED / Node:Seed)");
        }

        var joinTimeoutText = Setting(parse, _joinTimeout, "JoinTimeout");
        if (!double.TryParse(joinTimeoutText ?? "180", NumberStyles.Float, CultureInfo.InvariantCulture, out var joinTimeout) || !double.IsFinite(joinTimeout) || joinTimeout < 0)
        {
            throw new UsageException($"the join timeout must be a number of seconds ≥ 0, not '{joinTimeoutText}' (--join-timeout / FEDERATED_JOINTIMEOUT / Node:JoinTimeout)");
        }

        var freshText = Setting(parse, _fresh, "Fresh");
        if (!bool.TryParse(freshText ?? "false", out var fresh))
        {
            throw new UsageException($"--fresh must be true or false, not '{freshText}' (FEDERATED_FRESH / Node:Fresh)");
        }

        var splitText = Setting(parse, _split, "Split") ?? "random";
        var split = splitText switch
        {
            "random" => SplitMethod.Random,
            "hash" => SplitMethod.Hash,
            _ => throw new UsageException($"the split must be random or hash, not '{splitText}' (--split / FEDERATED_SPLIT / Node:Split)"),
        };

        var watchText = Setting(parse, _watchData, "WatchData");
        if (!bool.TryParse(watchText ?? "false", out var watch))
        {
            throw new UsageException($"--watch-data must be true or false, not '{watchText}' (FEDERATED_WATCHDATA / Node:WatchData)");
        }

        var noBulkText = Setting(parse, _noBulkUploads, "NoBulkUploads");
        if (!bool.TryParse(noBulkText ?? "false", out var noBulk))
        {
            throw new UsageException($"--no-bulk-uploads must be true or false, not '{noBulkText}' (FEDERATED_NOBULKUPLOADS / Node:NoBulkUploads)");
        }

        if (watch && split != SplitMethod.Hash)
        {
            throw new UsageException("--watch-data needs --split hash: with a random split, rows added to the data would move old rows between train and test");
        }

        return new NodeSettings
        {
            Split = split,
            WatchData = watch,
            NoBulkUploads = noBulk,
            Fresh = fresh,
            JoinTimeoutSeconds = joinTimeout,
            Coordinator = Setting(parse, _coordinator, "Coordinator"),
            Token = Setting(parse, _token, "Token"),
            Data = Setting(parse, _data, "Data"),
            Schema = Setting(parse, _schema, "Schema"),
            State = Setting(parse, _state, "State") ?? "node-state",
            Run = Setting(parse, _run, "Run"),
            Seed = seed,
        };
    }

    private static string Require(string? value, string option, string key) =>
        string.IsNullOrWhiteSpace(value)
            ? throw new UsageException($"{option} is required (or set {NodeConfiguration.Prefix}{key.ToUpperInvariant()}, or {NodeConfiguration.Section}:{key} in appsettings.json)")
            : value;

    private string? Setting<T>(ParseResult parse, Option<T> option, string key)
    {
        if (parse.GetResult(option) is { Implicit: false })
        {
            return Convert.ToString(parse.GetValue(option), CultureInfo.InvariantCulture);
        }

        var value = _configuration[$"{NodeConfiguration.Section}:{key}"];
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }
}
