using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Federated.Coordinator.Privacy;
using Federated.Coordinator.Runs;

namespace Federated.Coordinator.Cli;

/// <summary>
/// <c>coordinator privacy epsilon|noise …</c>: the operator's offline planner. <c>epsilon</c> gives the (ε, δ) of T rounds
/// of DP-FedAvg at noise multiplier z and sample rate q; <c>noise</c> gives the smallest z that keeps ε within a target.
/// A table by default, one JSON object with <c>--json</c>. Bad values: one line on the error writer and exit code 2.
/// </summary>
internal sealed class PrivacyCommand
{
    private readonly Option<double> _sampleRate = new("--sample-rate") { Description = "q: the probability that a client is in a round (Poisson sampling), in [0, 1] (0: nobody takes part, ε = 0)", Required = true, Recursive = true };
    private readonly Option<long> _steps = new("--steps") { Description = "T: rounds", Required = true, Recursive = true };
    private readonly Option<double> _delta = new("--delta") { Description = "δ, in (0, 1); e.g. 1e-5, or below 1/N for N clients", Required = true, Recursive = true };
    private readonly Option<string?> _orders = new("--orders") { Description = "RDP orders replacing the default grid, comma-separated, each > 1 (e.g. 1.5,2,3,4,8,16,32,64)", Recursive = true };
    private readonly Option<bool> _json = new("--json") { Description = "Print one JSON object", Recursive = true };
    private readonly Option<double> _noise = new("--noise") { Description = "z: noise standard deviation over the clip norm, ≥ 0", Required = true };
    private readonly Option<double> _targetEpsilon = new("--target-epsilon") { Description = "ε to stay within, > 0", Required = true };

    /// <summary>Runs one command line on the console; returns the exit code.</summary>
    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs one command line, writing to <paramref name="output"/> and <paramref name="error"/>.</summary>
    internal static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var command = new PrivacyCommand();
        var parse = command.Build(output, error).Parse(args);
        if (parse.Errors.Count > 0)
        {
            error.WriteLine($"error: {parse.Errors[0].Message}");
            return 2;
        }

        return parse.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    private RootCommand Build(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("Plan differential privacy offline: ε for a noise multiplier, or the noise multiplier for a target ε (Poisson-subsampled Gaussian, RDP accountant)");
        root.Options.Add(_sampleRate);
        root.Options.Add(_steps);
        root.Options.Add(_delta);
        root.Options.Add(_orders);
        root.Options.Add(_json);

        var epsilon = new Command("epsilon", "ε after T rounds at noise multiplier z and sample rate q");
        epsilon.Options.Add(_noise);
        epsilon.SetAction(parse => Guarded(error, () =>
        {
            var spent = RdpAccountant.Epsilon(parse.GetValue(_sampleRate), parse.GetValue(_noise), parse.GetValue(_steps), parse.GetValue(_delta), Orders(parse));
            Write(output, parse, spent.Epsilon, spent.Order, parse.GetValue(_noise), json: [("epsilon", spent.Epsilon), ("order", spent.Order)]);
        }));
        root.Subcommands.Add(epsilon);

        var noise = new Command("noise", "The smallest noise multiplier z whose ε after T rounds stays within the target");
        noise.Options.Add(_targetEpsilon);
        noise.SetAction(parse => Guarded(error, () =>
        {
            var (z, spent) = NoiseCalibration.NoiseMultiplierFor(parse.GetValue(_targetEpsilon), parse.GetValue(_delta), parse.GetValue(_sampleRate), parse.GetValue(_steps), Orders(parse));
            Write(output, parse, spent.Epsilon, spent.Order, z, json: [("noise_multiplier", z), ("epsilon", spent.Epsilon)]);
        }));
        root.Subcommands.Add(noise);
        return root;
    }

    private IReadOnlyList<double>? Orders(ParseResult parse)
    {
        var text = parse.GetValue(_orders);
        if (text is null)
        {
            return null;
        }

        var orders = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            orders.Add(double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var order)
                ? order
                : throw new ArgumentException($"--orders: '{part}' is not a number"));
        }

        return RdpOrders.Validate(orders);
    }

    private void Write(TextWriter output, ParseResult parse, double epsilon, double order, double noiseMultiplier, (string Key, double Value)[] json)
    {
        if (parse.GetValue(_json))
        {
            // ε is unbounded without noise: JSON has no infinity, so it is null.
            output.WriteLine(JsonSerializer.Serialize(json.ToDictionary(p => p.Key, p => double.IsFinite(p.Value) ? p.Value : (double?)null)));
            return;
        }

        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"noise multiplier z  {noiseMultiplier:G10}"));
        output.WriteLine(string.Create(c, $"sample rate q       {parse.GetValue(_sampleRate):G10}"));
        output.WriteLine(string.Create(c, $"rounds T            {parse.GetValue(_steps)}"));
        output.WriteLine(string.Create(c, $"delta               {parse.GetValue(_delta):G10}"));
        output.WriteLine(double.IsFinite(epsilon) ? string.Create(c, $"epsilon             {epsilon:G10}") : "epsilon             unbounded (no noise)");
        output.WriteLine(double.IsNaN(order) ? "best RDP order      -" : string.Create(c, $"best RDP order      {order:G10}"));
    }

    private static int Guarded(TextWriter error, Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (ArgumentException e)
        {
            var message = ArgumentMessages.WithoutParameterName(e) + (e is ArgumentOutOfRangeException range ? $" (got {range.ActualValue})" : "");
            error.WriteLine($"error: {message}");
            return 2;
        }
    }
}
