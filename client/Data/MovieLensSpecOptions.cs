namespace Federated.Client.Data;

/// <summary>Sizes of the default MovieLens model.</summary>
public sealed record MovieLensSpecOptions
{
    /// <summary>Hash buckets of the item field; ignored when <see cref="ItemVocabulary"/> is set. Default 4096.</summary>
    public int ItemBuckets { get; init; } = 4096;

    /// <summary>When set, items are integer ids in [0, ItemVocabulary) instead of hashed (100K: 1683, 1M: 3953).</summary>
    public int? ItemVocabulary { get; init; }

    /// <summary>Hash buckets of the local user field. Default 8192.</summary>
    public int UserBuckets { get; init; } = 8192;

    /// <summary>Embedding dimension of item and user. Default 16.</summary>
    public int Dim { get; init; } = 16;

    /// <summary>Embedding dimension of genres and demographics. Default 4.</summary>
    public int SideDim { get; init; } = 4;

    /// <summary>Trunk hidden widths. Default [32, 16].</summary>
    public IReadOnlyList<int> Hidden { get; init; } = [32, 16];

    /// <summary>Tower hidden widths of each task. Default [8].</summary>
    public IReadOnlyList<int> Tower { get; init; } = [8];
}
