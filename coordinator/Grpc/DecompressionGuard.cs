using System.IO.Compression;
using Grpc.Core;
using Grpc.Net.Compression;

namespace Federated.Coordinator.Grpc;

/// <summary>
/// Wraps a request compression provider (gzip, deflate) so that a message whose bytes it cannot decode is refused
/// InvalidArgument with the rejection <c>malformed-message</c> and one warning. grpc-dotnet decompresses before any
/// marshaller or interceptor runs and answers the decoder's <see cref="InvalidDataException"/> with Unknown and an
/// error logged with its stack trace.
/// </summary>
internal sealed class DecompressionGuard : ICompressionProvider
{
    private readonly ICompressionProvider _inner;
    private readonly ILogger _logger;

    public DecompressionGuard(ICompressionProvider inner, ILogger logger)
    {
        _inner = inner;
        _logger = logger;
    }

    /// <inheritdoc />
    public string EncodingName => _inner.EncodingName;

    /// <summary>Wraps every provider of <paramref name="providers"/> that is not wrapped yet.</summary>
    public static void WrapAll(IList<ICompressionProvider> providers, ILogger logger)
    {
        for (var i = 0; i < providers.Count; i++)
        {
            if (providers[i] is not DecompressionGuard)
            {
                providers[i] = new DecompressionGuard(providers[i], logger);
            }
        }
    }

    /// <inheritdoc />
    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) => _inner.CreateCompressionStream(stream, compressionLevel);

    /// <inheritdoc />
    public Stream CreateDecompressionStream(Stream stream) => new GuardedStream(_inner.CreateDecompressionStream(stream), this);

    private RpcException Refuse(InvalidDataException e)
    {
        var reason = $"the request's {EncodingName} message cannot be decompressed: {e.Message}";
        GrpcLog.MalformedMessage(_logger, "with grpc-encoding " + EncodingName, reason);
        return RejectionStatus.Create(StatusCode.InvalidArgument, RejectionStatus.MalformedMessage, reason);
    }

    /// <summary>A read-only decompressing stream whose decoding errors become the refusal.</summary>
    private sealed class GuardedStream(Stream inner, DecompressionGuard guard) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return inner.Read(buffer);
            }
            catch (InvalidDataException e)
            {
                throw guard.Refuse(e);
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                throw guard.Refuse(e);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

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
