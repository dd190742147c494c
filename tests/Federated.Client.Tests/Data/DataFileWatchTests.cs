using Federated.Client.Data;

namespace Federated.Client.Tests.Data;

public sealed class DataFileWatchTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Changed_FileAppendedAfterMark_True()
    {
        var path = _dir.Write("data.csv", "a,b\n1,2\n");
        var watch = new DataFileWatch(path);
        Assert.True(watch.Changed());

        watch.Mark();
        var unchanged = watch.Changed();
        File.AppendAllText(path, "3,4\n");

        Assert.False(unchanged);
        Assert.True(watch.Changed());
    }

    [Fact]
    public void Changed_FileAddedToWatchedDirectory_True()
    {
        _dir.Write("u.data", "1\t2\t3\t4\n");
        var watch = new DataFileWatch(_dir.Path);
        watch.Mark();

        _dir.Write("u.extra", "x");

        Assert.True(watch.Changed());
    }
}
