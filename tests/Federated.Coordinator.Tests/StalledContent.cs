using System.Net;

namespace Federated.Coordinator.Tests;

/// <summary>A request body that sends its bytes and then never ends (until disposed).</summary>
internal sealed class StalledContent(byte[] prefix) : HttpContent
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource PrefixSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        await stream.WriteAsync(prefix);
        await stream.FlushAsync();
        PrefixSent.TrySetResult();
        await _release.Task;
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        _release.TrySetResult();
        base.Dispose(disposing);
    }
}
