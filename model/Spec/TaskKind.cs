namespace Federated.Model.Spec;

/// <summary>The kind of prediction a task makes, which fixes its output and loss.</summary>
public enum TaskKind
{
    /// <summary>A probability: sigmoid output, log-loss; labels are 0 or 1.</summary>
    Binary,

    /// <summary>A real value: identity output, squared error.</summary>
    Regression,
}
