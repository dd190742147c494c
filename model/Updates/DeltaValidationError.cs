namespace Federated.Model.Updates;

/// <summary>Why a delta does not fit a layout; each reason maps to its own status on the wire.</summary>
public enum DeltaValidationError
{
    /// <summary>The delta fits.</summary>
    None,

    /// <summary>A tensor of the expected scope is absent.</summary>
    MissingTensor,

    /// <summary>A tensor name is not in the layout, is listed twice, or names a tensor of another scope.</summary>
    UnexpectedTensor,

    /// <summary>A tensor has the wrong number of values, or a sparse delta names a non-embedding tensor.</summary>
    WrongShape,

    /// <summary>A sparse row id is outside the table or the rows are not ascending and distinct.</summary>
    RowOutOfRange,

    /// <summary>A value is NaN or infinite.</summary>
    NonFinite,

    /// <summary>The L2 norm exceeds the clip bound.</summary>
    NormTooLarge,
}
