using Federated.Client.Federation;

namespace Federated.Client.Tests.Federation;

/// <summary>Records progress synchronously (unlike <see cref="Progress{T}"/>, which posts) and lets a test react to a step.</summary>
public sealed class SyncProgress(Action<NodeProgress>? onReport = null) : IProgress<NodeProgress>
{
    private readonly List<NodeProgress> _reports = [];

    public IReadOnlyList<NodeProgress> Reports
    {
        get
        {
            lock (_reports)
            {
                return [.. _reports];
            }
        }
    }

    public void Report(NodeProgress value)
    {
        lock (_reports)
        {
            _reports.Add(value);
        }

        onReport?.Invoke(value);
    }
}
