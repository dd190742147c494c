using System.Globalization;

namespace Federated.Client.Training;

/// <summary>
/// The model a node evaluated predicts a non-finite value (NaN or ±∞) for some row: its parameters blew up, almost always
/// because local training diverged at too high a learning rate. Thrown instead of the metric summaries' generic
/// "predictions must be finite" refusal, so that the node, the simulation and the tuner can say what happened and what to
/// change.
/// </summary>
/// <remarks>
/// An <see cref="InvalidOperationException"/>: the node's command line prints its message as one line and exits 1, and a
/// node in a run leaves it with that message. Nothing was sent: a diverged update never reaches the coordinator (which
/// would refuse its non-finite values anyway).
/// </remarks>
public sealed class ModelDivergedException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="task"/>'s predictions on <paramref name="part"/>.</summary>
    /// <param name="task">The first task whose prediction is not finite.</param>
    /// <param name="part">The rows being evaluated.</param>
    /// <param name="prediction">The offending prediction (NaN or an infinity).</param>
    public ModelDivergedException(string task, DataPart part, float prediction)
        : base(string.Create(CultureInfo.InvariantCulture, $"the model's {task} predictions are not finite ({prediction}) on its {PartName(part)} rows: training diverged"))
    {
        Task = task;
        Part = part;
    }

    /// <summary>The same divergence told with more context (e.g. the round and who can change the learning rate).</summary>
    /// <param name="message">The whole message, usually including <paramref name="cause"/>'s.</param>
    /// <param name="cause">The divergence found by the evaluator; its task and rows are kept.</param>
    public ModelDivergedException(string message, ModelDivergedException cause)
        : base(message, cause)
    {
        ArgumentNullException.ThrowIfNull(cause);
        Task = cause.Task;
        Part = cause.Part;
    }

    /// <summary>The first task whose prediction was not finite.</summary>
    public string Task { get; }

    /// <summary>The rows that were being evaluated.</summary>
    public DataPart Part { get; }

    private static string PartName(DataPart part) => part switch
    {
        DataPart.Train => "training",
        DataPart.Validation => "validation",
        _ => "test",
    };
}
