using System.Text.Json.Serialization;

namespace Federated.Model.Spec;

/// <summary>A categorical input: its tokens index rows of an embedding table of <see cref="Rows"/> × <see cref="Dim"/> floats.</summary>
/// <remarks>
/// Exactly one of <see cref="Buckets"/> and <see cref="Vocabulary"/> is set. With buckets, string tokens are hashed
/// (so institutions need no common vocabulary and exchange no raw ids); with a vocabulary, tokens are integer ids in
/// [0, vocabulary). A multi-valued field is a bag of tokens whose embeddings are mean-pooled (an empty bag pools to zero).
/// </remarks>
public sealed record FieldSpec
{
    /// <summary>Unique name; the embedding tensor is called <c>emb/{Name}</c>.</summary>
    public string Name { get; init; } = "";

    /// <summary>Embedding dimension, at least 1.</summary>
    public int Dim { get; init; }

    /// <summary>Number of hash buckets for string tokens, or null when <see cref="Vocabulary"/> is set.</summary>
    public int? Buckets { get; init; }

    /// <summary>Number of integer ids, or null when <see cref="Buckets"/> is set.</summary>
    public int? Vocabulary { get; init; }

    /// <summary>True for a bag of tokens, mean-pooled.</summary>
    public bool MultiValued { get; init; }

    /// <summary>Shared fields are federated; local ones (user ids) never leave the node. Default shared.</summary>
    public ParameterScope Scope { get; init; } = ParameterScope.Shared;

    /// <summary>
    /// Tasks whose output gets a learned per-row bias of this field added (the b_u, b_i of biased matrix factorisation,
    /// Koren et al. 2009): one bias per listed task and row, in that order. Null or empty (default): none. The biases
    /// live in the field's embedding table as extra columns after the <see cref="Dim"/> embedding columns, so they have
    /// the field's scope (a local field's biases stay on the node; a shared field's are federated) and are updated and
    /// sent row-sparsely with its rows. For a multi-valued field the bag's biases are averaged, like its embeddings.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? BiasTasks { get; init; }

    /// <summary>Columns of the embedding table: <see cref="Dim"/> plus one per task in <see cref="BiasTasks"/>.</summary>
    public int Columns => Dim + (BiasTasks?.Count ?? 0);

    /// <summary>Rows of the embedding table: the bucket count or the vocabulary size.</summary>
    public int Rows => Buckets ?? Vocabulary ?? 0;

    /// <summary>True when string tokens are hashed into buckets.</summary>
    public bool IsHashed => Buckets is not null;
}
