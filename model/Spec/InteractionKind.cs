namespace Federated.Model.Spec;

/// <summary>How an <see cref="InteractionSpec"/> combines two fields' pooled embeddings e_a and e_b.</summary>
public enum InteractionKind
{
    /// <summary>
    /// The dot product ⟨e_a, e_b⟩ added to the output (logit or value) of each chosen task: the factorisation term of
    /// matrix factorisation (Koren et al. 2009).
    /// </summary>
    Dot,

    /// <summary>
    /// The element-wise product e_a ⊙ e_b appended to the trunk's input x: the generalised matrix factorisation branch
    /// of NeuMF (He et al. 2017), learned on by the trunk and towers instead of a fixed sum.
    /// </summary>
    Product,
}
