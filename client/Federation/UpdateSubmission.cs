namespace Federated.Client.Federation;

/// <summary>How the upload of one trained update (or of a node's label statistics) ended: counted by the coordinator, or refused.</summary>
/// <param name="Round">The update's round.</param>
/// <param name="UploadId">The id it was sent under (<see cref="Federation.UploadId"/>; the same for every retry); empty for label statistics, which have none.</param>
/// <param name="Result">The coordinator's receipt when it counted the update (or recognised it as already counted), else null.</param>
/// <param name="Rejection">The refusal when the coordinator would not count it, else null.</param>
public sealed record UpdateSubmission(long Round, string UploadId, SubmitResult? Result, UpdateRejectedException? Rejection)
{
    /// <summary>True when the coordinator counts the update.</summary>
    public bool Counted => Result is not null;
}
