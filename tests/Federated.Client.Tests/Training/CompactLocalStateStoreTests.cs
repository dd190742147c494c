using Federated.Client.Data;
using Federated.Client.Training;
using Federated.Model.Parameters;
using Federated.Model.Spec;
using Federated.Model.Training;

namespace Federated.Client.Tests.Training;

public sealed class CompactLocalStateStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Create_OneUserClient_KeepsOnlyOwnedRowsAndLocalDenseTensors()
    {
        var spec = SyntheticData.Spec();
        var data = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 2, users: 3, items: 30, ratingsPerUser: 8), spec);
        var initial = ParameterSet.Initialize(spec, seed: 4);

        var store = new CompactLocalStateStore(data.Table, initial);

        var users = data.Table.Users.Select(u => TokenHasher.Bucket("user", u, 128)).Distinct().Order().ToArray();
        Assert.Equal(users, store.OwnedRows("emb/user"));
        var dense = initial.Layout.InScope(ParameterScope.Local).Where(t => t.Kind != TensorKind.Embedding).Sum(t => t.Length);
        Assert.Equal(dense + (users.Length * 8), store.ValueCount);
        Assert.Equal((store.ValueCount + users.Length) * 4L, store.SizeInBytes);
        Assert.True(store.ValueCount < initial.Layout["emb/user"].Length);
        Assert.Null(store.Header);
    }

    [Fact]
    public void SaveThenTryLoad_RoundTripsOwnedRowsAndLeavesOtherRowsAlone()
    {
        var spec = SyntheticData.Spec();
        var data = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 2, users: 3, items: 30, ratingsPerUser: 8), spec);
        var layout = ParameterLayout.FromSpec(spec);
        var store = new CompactLocalStateStore(data.Table, ParameterSet.Initialize(layout, seed: 4));
        var trained = ParameterSet.Initialize(layout, seed: 9);

        store.Save(trained, modelVersion: 6, round: 7);
        var target = new ParameterSet(layout);
        Array.Fill(target.Values, 42f);
        var header = store.TryLoad(target);

        Assert.Equal(new LocalStateHeader(layout.Fingerprint, 6, 7), header);
        var users = layout["emb/user"];
        var owned = store.OwnedRows("emb/user");
        for (var row = 0; row < users.Rows; row++)
        {
            var expected = owned.Contains(row) ? trained[users].Slice(row * 8, 8).ToArray() : Enumerable.Repeat(42f, 8).ToArray();
            Assert.Equal(expected, target[users].Slice(row * 8, 8).ToArray());
        }

        foreach (var tensor in layout.Tensors)
        {
            if (tensor.Scope == ParameterScope.Local && tensor.Kind != TensorKind.Embedding)
            {
                Assert.Equal(trained[tensor].ToArray(), target[tensor].ToArray());
            }
            else if (tensor.Scope == ParameterScope.Shared)
            {
                Assert.All(target[tensor].ToArray(), v => Assert.Equal(42f, v));
            }
        }
    }

    [Fact]
    public void TryLoad_BeforeAnySave_WritesInitialValues()
    {
        var spec = SyntheticData.Spec();
        var data = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 2, users: 3, items: 30, ratingsPerUser: 8), spec);
        var initial = ParameterSet.Initialize(spec, seed: 4);
        var store = new CompactLocalStateStore(data.Table, initial);
        var target = new ParameterSet(initial.Layout);

        Assert.Null(store.TryLoad(target));

        var tower = initial.Layout["tower/like/dense0/w"];
        Assert.Equal(initial[tower].ToArray(), target[tower].ToArray());
        var row = store.OwnedRows("emb/user")[0];
        Assert.Equal(initial["emb/user"].Slice(row * 8, 8).ToArray(), target["emb/user"].Slice(row * 8, 8).ToArray());
    }

    [Fact]
    public void Save_TouchedRowNotOwned_ThrowsRatherThanLosingIt()
    {
        var spec = SyntheticData.Spec();
        var data = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 2, users: 1, items: 30, ratingsPerUser: 8), spec);
        var initial = ParameterSet.Initialize(spec, seed: 4);
        var store = new CompactLocalStateStore(data.Table, initial);
        var owned = store.OwnedRows("emb/user").Single();
        var touched = new RowSet(128);
        touched.Add(owned);
        touched.Add((owned + 1) % 128);

        var error = Assert.Throws<InvalidOperationException>(() => store.Save(initial, 1, 1, new Dictionary<string, RowSet> { ["emb/user"] = touched }));

        Assert.Contains("emb/user", error.Message, StringComparison.Ordinal);
        Assert.Null(store.Header);
    }

    [Fact]
    public void TryLoad_ParametersOfAnotherModel_ThrowsLocalStateException()
    {
        var spec = SyntheticData.Spec();
        var data = SyntheticData.Load(SyntheticData.Write(_dir.Path, seed: 2, users: 3, items: 30, ratingsPerUser: 8), spec);
        var store = new CompactLocalStateStore(data.Table, ParameterSet.Initialize(spec, seed: 4));

        Assert.Throws<LocalStateException>(() => store.TryLoad(ParameterSet.Initialize(SyntheticData.Spec(userBuckets: 64), seed: 4)));
    }

    [Fact]
    public void Create_OnePerUserMovieLensClient_IsAFewKilobytes()
    {
        var spec = MovieLensModelSpec.Create();
        var table = MovieLensClientData.Create(spec, examples: 100, seed: 3).Table;

        var store = new CompactLocalStateStore(table, ParameterSet.Initialize(spec, seed: 1));

        Assert.Single(store.OwnedRows("emb/user"));
        Assert.InRange(store.SizeInBytes, 1, 2048);
    }
}
