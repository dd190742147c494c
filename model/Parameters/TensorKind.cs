namespace Federated.Model.Parameters;

/// <summary>How a tensor is used, which decides how it is updated, clipped and sent.</summary>
public enum TensorKind
{
    /// <summary>A weight matrix [in, out] of a dense layer; L2 applies.</summary>
    Weight,

    /// <summary>A bias vector or scalar parameter; updated whole, no L2.</summary>
    Bias,

    /// <summary>An embedding table [rows, dim]; updated row by row, only touched rows change.</summary>
    Embedding,
}
