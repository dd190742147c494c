namespace Federated.Model.Updates;

/// <summary>
/// The change of one tensor: dense (every element, <see cref="Rows"/> null) or row-sparse (the listed rows of an
/// embedding table, ascending and distinct, <see cref="Values"/> holding [Rows.Length, columns] floats).
/// </summary>
/// <param name="Name">Name of the tensor in the layout.</param>
/// <param name="Values">Dense: the tensor's full length; sparse: rows × columns.</param>
/// <param name="Rows">Row ids of a sparse delta, or null for a dense one.</param>
public sealed record TensorDelta(string Name, float[] Values, int[]? Rows = null)
{
    /// <summary>True for a row-sparse delta.</summary>
    public bool IsSparse => Rows is not null;
}
