namespace Federated.Client.Data;

/// <summary>The file layouts of the MovieLens data sets.</summary>
public enum MovieLensLayout
{
    /// <summary>MovieLens 100K: <c>u.data</c> (tab-separated), <c>u.item</c> and <c>u.user</c> (<c>|</c>-separated).</summary>
    Ml100K,

    /// <summary>MovieLens 1M: <c>ratings.dat</c>, <c>movies.dat</c>, <c>users.dat</c> (<c>::</c>-separated).</summary>
    Ml1M,
}
