using System.Globalization;
using Federated.Client.Training;

namespace Federated.Simulation.Engine;

/// <summary>
/// A series' model stopped predicting finite values (<see cref="ModelDivergedException"/>): the message names the series,
/// the round, the client when one was training, and the learning rate to lower. The tuner scores such a trial as
/// diverged instead of ending the search. What the evaluator found is the <see cref="Exception.InnerException"/>.
/// </summary>
public sealed class SeriesDivergedException : SimulationRunFailedException
{
    private SeriesDivergedException(string series, int round, string message, ModelDivergedException cause)
        : base(message, cause)
    {
        Series = series;
        Round = round;
    }

    /// <summary>The series that diverged (<see cref="Reports.ExperimentSeries"/>).</summary>
    public string Series { get; }

    /// <summary>The round (1-based) whose training or evaluation found the non-finite predictions.</summary>
    public int Round { get; }

    /// <summary>The exception for <paramref name="series"/> in <paramref name="round"/>.</summary>
    /// <param name="series">The series, e.g. <c>federated</c> or <c>centralised</c>.</param>
    /// <param name="round">The round being trained or evaluated.</param>
    /// <param name="client">The client whose model diverged, or null for the pooled (centralised) one.</param>
    /// <param name="learningRate">The learning rate the series trained with.</param>
    /// <param name="option">The option that sets it, e.g. <c>--learning-rate</c>.</param>
    /// <param name="cause">What the evaluator found.</param>
    public static SeriesDivergedException Create(string series, int round, string? client, float learningRate, string option, ModelDivergedException cause)
    {
        ArgumentNullException.ThrowIfNull(cause);
        var at = client is null ? "" : $" at client {client}";
        return new SeriesDivergedException(
            series,
            round,
            string.Create(CultureInfo.InvariantCulture, $"the {series.Replace('_', '-')} series diverged in round {round}{at}: {cause.Message}; try a lower {option} than {learningRate}"),
            cause);
    }

    /// <summary>
    /// Throws the first recorded divergence in index order (clients in client order), if any: parallel work records
    /// its divergences and reports after every item ended, so the line does not depend on which worker finished first.
    /// </summary>
    internal static void ThrowFirst(SeriesDivergedException?[] diverged)
    {
        if (Array.Find(diverged, d => d is not null) is { } first)
        {
            throw first;
        }
    }
}
