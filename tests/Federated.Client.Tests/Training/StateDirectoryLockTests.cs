using Federated.Client.Training;

namespace Federated.Client.Tests.Training;

public sealed class StateDirectoryLockTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Acquire_DirectoryAlreadyLocked_ThrowsNamingTheOptionAndTheDirectory()
    {
        var state = Path.Combine(_dir.Path, "state");
        using var first = StateDirectoryLock.Acquire(state, "--state");

        var error = Assert.Throws<LocalStateException>(() => StateDirectoryLock.Acquire(state, "--state"));

        Assert.StartsWith($"--state {Path.GetFullPath(state)} is in use by another node process", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Acquire_AfterTheHolderReleased_Succeeds()
    {
        var state = Path.Combine(_dir.Path, "state");
        StateDirectoryLock.Acquire(state, "--state").Dispose();

        using var again = StateDirectoryLock.Acquire(state, "--state");

        Assert.True(File.Exists(Path.Combine(state, StateDirectoryLock.FileName)));
    }

    [Fact]
    public void Acquire_TwoDirectories_Independent()
    {
        using var a = StateDirectoryLock.Acquire(Path.Combine(_dir.Path, "a"), "--state");
        using var b = StateDirectoryLock.Acquire(Path.Combine(_dir.Path, "b"), "--state");

        Assert.NotSame(a, b);
    }
}
