namespace Federated.Client.Training;

/// <summary>One recommended item with the model's prediction for every task.</summary>
/// <param name="Item">The item key.</param>
/// <param name="Score">The ranking score (the prediction of the ranking task).</param>
/// <param name="Predictions">Prediction per task name: a probability for binary tasks, a value for regression.</param>
public sealed record Recommendation(string Item, float Score, IReadOnlyDictionary<string, float> Predictions);
