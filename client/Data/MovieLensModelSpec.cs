using Federated.Model.Spec;

namespace Federated.Client.Data;

/// <summary>The default model for MovieLens examples (<see cref="MovieLensSource"/>).</summary>
public static class MovieLensModelSpec
{
    /// <summary>
    /// Builds a shared-bottom model with fields item (shared), user (local), genres (multi-valued,
    /// shared), age, gender, occupation (shared, hashed) and the tasks <c>rating</c> (regression) and
    /// <c>like</c> (binary), both with local heads.
    /// </summary>
    /// <param name="options">Sizes; defaults when null.</param>
    /// <returns>The validated spec.</returns>
    public static ModelSpec Create(MovieLensSpecOptions? options = null)
    {
        options ??= new MovieLensSpecOptions();
        var item = options.ItemVocabulary is { } vocabulary
            ? new FieldSpec { Name = "item", Dim = options.Dim, Vocabulary = vocabulary }
            : new FieldSpec { Name = "item", Dim = options.Dim, Buckets = options.ItemBuckets };
        var spec = new ModelSpec
        {
            Fields =
            [
                item,
                new FieldSpec { Name = "user", Dim = options.Dim, Buckets = options.UserBuckets, Scope = ParameterScope.Local },
                new FieldSpec { Name = "genres", Dim = options.SideDim, Buckets = 64, MultiValued = true },
                new FieldSpec { Name = "age", Dim = options.SideDim, Buckets = 16 },
                new FieldSpec { Name = "gender", Dim = options.SideDim, Buckets = 4 },
                new FieldSpec { Name = "occupation", Dim = options.SideDim, Buckets = 64 },
            ],
            Trunk = new TrunkSpec { Kind = TrunkKind.SharedBottom, Hidden = options.Hidden },
            Tasks =
            [
                new TaskSpec { Name = "rating", Kind = TaskKind.Regression, Tower = options.Tower },
                new TaskSpec { Name = "like", Kind = TaskKind.Binary, Tower = options.Tower },
            ],
        };
        spec.Validate();
        return spec;
    }
}
