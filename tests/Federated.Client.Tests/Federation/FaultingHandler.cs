namespace Federated.Client.Tests.Federation;

/// <summary>
/// An HTTP handler under a gRPC channel that passes calls to the real one until a fault is armed, then fails the way a
/// dead or vanishing coordinator makes HttpClient fail: before any answer (<see cref="FailBeforeAnswer"/>), or in the
/// middle of the answer's body (<see cref="BreakBody"/>).
/// </summary>
public sealed class FaultingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    /// <summary>Thrown instead of sending, when set.</summary>
    public Func<Exception>? FailBeforeAnswer { get; set; }

    /// <summary>Thrown by the answer's body after its first bytes, when set.</summary>
    public Func<Exception>? BreakBody { get; set; }

    /// <summary>The failure kinds of a coordinator that died: each makes a transport exception the node must retry.</summary>
    public static TheoryData<string> Kinds => ["http-request", "io", "http-io", "foreign-cancellation"];

    public static Exception Make(string kind) => kind switch
    {
        "http-request" => new HttpRequestException(HttpRequestError.ConnectionError, "An error occurred while sending the request.", new IOException("Connection reset by peer")),
        "io" => new IOException("Unable to read data from the transport connection: Connection reset by peer."),
        "http-io" => new HttpIOException(HttpRequestError.ResponseEnded, "The response ended prematurely."),
        "foreign-cancellation" => new OperationCanceledException("The operation was canceled."),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (FailBeforeAnswer is { } fail)
        {
            throw fail();
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (BreakBody is { } breakBody)
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var broken = new StreamContent(new BreakingStream(body, breakBody));
            foreach (var header in response.Content.Headers)
            {
                broken.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Content = broken;
        }

        return response;
    }

    /// <summary>Gives the first read's bytes (at most 16), then fails.</summary>
    private sealed class BreakingStream(Stream inner, Func<Exception> failure) : Stream
    {
        private bool _gave;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_gave)
            {
                throw failure();
            }

            _gave = true;
            return await inner.ReadAsync(buffer[..Math.Min(16, buffer.Length)], cancellationToken);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
