namespace Federated.Model.Training;

/// <summary>A <see cref="LocalTrainingPlan"/> value out of its bounds; <see cref="Key"/> is the value's camelCase key.</summary>
public sealed class TrainingPlanException : Exception
{
    /// <summary>Creates the exception for a key and a reason.</summary>
    public TrainingPlanException(string key, string reason, Exception? inner = null)
        : base($"training plan: {key}: {reason}", inner)
    {
        Key = key;
        Reason = reason;
    }

    /// <summary>The key of the offending value, e.g. <c>learningRate</c>.</summary>
    public string Key { get; }

    /// <summary>What is wrong with it, without the key.</summary>
    public string Reason { get; }
}
