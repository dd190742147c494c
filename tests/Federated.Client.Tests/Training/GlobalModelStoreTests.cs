using Federated.Client.Training;
using Federated.Model.Parameters;
using Federated.Model.Spec;

namespace Federated.Client.Tests.Training;

public sealed class GlobalModelStoreTests
{
    [Fact]
    public void Save_ThenTryLoad_SharedTensorsRunVersionAndSpecRoundTrip()
    {
        using var directory = new TempDirectory();
        var path = Path.Combine(directory.Path, GlobalModelStore.FileName);
        var spec = SyntheticData.Spec();
        var parameters = ParameterSet.Initialize(spec, 4);

        GlobalModelStore.Save(path, "run-2", 7, spec, parameters);
        var loaded = GlobalModelStore.TryLoad(path)!;

        Assert.Equal("run-2", loaded.RunId);
        Assert.Equal(7, loaded.ModelVersion);
        Assert.Equal(parameters.Layout.Fingerprint, loaded.Parameters.Layout.Fingerprint);
        Assert.Same(loaded.Model.Layout, loaded.Parameters.Layout);
        Assert.Equal(spec.ToJson(), loaded.Spec.ToJson());
        foreach (var tensor in parameters.Layout.Tensors)
        {
            var expected = tensor.Scope == ParameterScope.Shared ? parameters[tensor].ToArray() : new float[tensor.Length];
            Assert.Equal(expected, loaded.Parameters[tensor].ToArray());
        }
    }

    [Fact]
    public void TryLoad_NoFile_Null()
    {
        using var directory = new TempDirectory();

        Assert.Null(GlobalModelStore.TryLoad(Path.Combine(directory.Path, GlobalModelStore.FileName)));
    }

    [Fact]
    public void TryLoad_TruncatedFile_LocalStateException()
    {
        using var directory = new TempDirectory();
        var path = Path.Combine(directory.Path, GlobalModelStore.FileName);
        var spec = SyntheticData.Spec();
        GlobalModelStore.Save(path, "run-1", 1, spec, ParameterSet.Initialize(spec, 4));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<LocalStateException>(() => GlobalModelStore.TryLoad(path));

        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }
}
