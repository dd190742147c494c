namespace Federated.Model.Parameters;

/// <summary>One float32 tensor of a safetensors file.</summary>
/// <param name="Name">Its name (the parameter's, e.g. <c>emb/item</c>).</param>
/// <param name="Shape">Its shape; the product of the dimensions is <c>Values.Length</c>.</param>
/// <param name="Values">Its values, row-major.</param>
public sealed record SafetensorsTensor(string Name, int[] Shape, float[] Values);
