namespace Federated.Client.Federation;

/// <summary>The bound of <c>LeaveRequest.detail</c>, the one-line reason a node gives when it leaves on an error.</summary>
public static class LeaveDetail
{
    /// <summary>At most this many characters are sent; the coordinator keeps no more than this either.</summary>
    public const int MaxChars = 500;

    /// <summary><paramref name="detail"/> cut to <see cref="MaxChars"/> (an ellipsis marks the cut), or empty when null.</summary>
    public static string Bound(string? detail) =>
        detail is null ? "" : detail.Length <= MaxChars ? detail : string.Concat(detail.AsSpan(0, MaxChars - 1), "…");
}
