using System.Globalization;
using Federated.Coordinator.Runs;
using Federated.Simulation.Engine;

namespace Federated.Simulation.Cli;

/// <summary>
/// Reads <c>--secure-aggregation</c>, <c>--sa-threshold</c>, <c>--sa-neighbours</c>, <c>--dropout</c> and
/// <c>--clip-norm</c> into <see cref="SimulationOptions"/>; every refusal is an <see cref="ArgumentException"/> naming the flag.
/// </summary>
internal static class SecureAggregationSpec
{
    /// <summary>
    /// The clip norm a secure run uses when <c>--clip-norm</c> is not given: 100, which no update of the built-in synthetic
    /// federation reaches (its runs with and without it are identical), so the secure run compares with the plain one.
    /// </summary>
    public const double DefaultClipNorm = 100;

    /// <summary><paramref name="options"/> with the flags applied.</summary>
    public static SimulationOptions Apply(SimulationOptions options, bool secure, int? threshold, int? neighbours, double? dropout, double? clipNorm, string? transport)
    {
        ArgumentNullException.ThrowIfNull(options);
        var c = CultureInfo.InvariantCulture;
        if (clipNorm is { } s)
        {
            if (!double.IsFinite(s) || s <= 0)
            {
                throw new ArgumentException(string.Create(c, $"--clip-norm {s}: must be a finite number > 0"));
            }

            options = options with { Plan = options.Plan with { ClipNorm = s } };
        }

        if (!secure && (threshold is not null || neighbours is not null))
        {
            throw new ArgumentException("--sa-threshold and --sa-neighbours need --secure-aggregation");
        }

        if (dropout is { } f)
        {
            if (!(f >= 0 && f < 1))
            {
                throw new ArgumentException(string.Create(c, $"--dropout {f}: must be in [0, 1)"));
            }

            options = options with { Dropout = f };
        }

        if ((secure || options.Dropout > 0) && transport == "grpc")
        {
            throw new ArgumentException("--secure-aggregation and --dropout run with --transport in-memory only (the simulation lets deadlines pass on the in-memory clock)");
        }

        if (!secure)
        {
            return options;
        }

        if (options.Plan.ClipNorm <= 0)
        {
            // Nodes must clip: the coordinator cannot check a masked update, and the ring's width is sized by the bound.
            options = options with { Plan = options.Plan with { ClipNorm = DefaultClipNorm } };
        }

        // MaxWeight 0: the largest client's example count, so that no weight is capped (see SimulationOptions).
        return options with { SecureAggregation = new SecureAggregationSettings { Threshold = threshold, Neighbours = neighbours ?? 0, MaxWeight = 0 } };
    }
}
