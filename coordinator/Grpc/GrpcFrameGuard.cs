using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Grpc.Core;

namespace Federated.Coordinator.Grpc;

/// <summary>
/// Reads a gRPC request body and checks each frame's 5-byte header as soon as it arrives, before grpc-dotnet does:
/// a declared length above the limit is ResourceExhausted (grpc-dotnet reports a length ≥ 2 GiB as Unknown) and a
/// compression flag other than 0 or 1 is InvalidArgument, as is flag 1 without a grpc-encoding. So are a body that ends inside a frame, and, for a method
/// that takes one request message, a body with none or with more than one (grpc-dotnet reports those as Internal).
/// Frames are otherwise passed through untouched.
/// </summary>
internal sealed class GrpcFrameGuard : PipeReader
{
    private const int HeaderSize = 5;

    private readonly PipeReader _inner;
    private readonly int _maxMessageBytes;
    private readonly bool _singleMessage;
    private readonly bool _compressed;
    private readonly Action<long> _onTooLarge;
    private readonly Action<string> _onMalformed;
    private ReadOnlySequence<byte> _buffer;
    private int _frames;

    // Absolute offsets in the body: where the last returned buffer starts, and where the next frame header starts.
    private long _bufferStart;
    private long _nextHeader;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The request body.</param>
    /// <param name="maxMessageBytes">The largest frame payload accepted, in bytes.</param>
    /// <param name="singleMessage">True for a unary or server-streaming method: the body must hold exactly one message.</param>
    /// <param name="compressed">True when the request names a grpc-encoding other than identity: only then may a frame be flagged compressed.</param>
    /// <param name="onTooLarge">Called with the declared length of a refused frame (for the log).</param>
    /// <param name="onMalformed">Called with the reason a malformed body is refused (for the log).</param>
    public GrpcFrameGuard(PipeReader inner, int maxMessageBytes, bool singleMessage, bool compressed, Action<long> onTooLarge, Action<string> onMalformed)
    {
        _compressed = compressed;
        _inner = inner;
        _maxMessageBytes = maxMessageBytes;
        _singleMessage = singleMessage;
        _onTooLarge = onTooLarge;
        _onMalformed = onMalformed;
    }

    /// <inheritdoc />
    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var result = await _inner.ReadAsync(cancellationToken).ConfigureAwait(false);
        Inspect(result.Buffer, result.IsCompleted);
        return result;
    }

    /// <inheritdoc />
    public override bool TryRead(out ReadResult result)
    {
        if (!_inner.TryRead(out result))
        {
            return false;
        }

        Inspect(result.Buffer, result.IsCompleted);
        return true;
    }

    /// <inheritdoc />
    public override void AdvanceTo(SequencePosition consumed)
    {
        _bufferStart += _buffer.Slice(0, consumed).Length;
        _buffer = default;
        _inner.AdvanceTo(consumed);
    }

    /// <inheritdoc />
    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _bufferStart += _buffer.Slice(0, consumed).Length;
        _buffer = default;
        _inner.AdvanceTo(consumed, examined);
    }

    /// <inheritdoc />
    public override void CancelPendingRead() => _inner.CancelPendingRead();

    /// <inheritdoc />
    public override void Complete(Exception? exception = null) => _inner.Complete(exception);

    private void Inspect(ReadOnlySequence<byte> buffer, bool completed)
    {
        _buffer = buffer;
        var end = _bufferStart + buffer.Length;
        Span<byte> header = stackalloc byte[HeaderSize];
        while (_nextHeader >= _bufferStart && _nextHeader + HeaderSize <= end)
        {
            buffer.Slice(_nextHeader - _bufferStart, HeaderSize).CopyTo(header);
            if (header[0] > 1)
            {
                throw Malformed("a message frame's compressed flag must be 0 or 1");
            }

            if (header[0] == 1 && !_compressed)
            {
                throw Malformed("a message frame is flagged compressed but the request names no grpc-encoding");
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
            if (length > (uint)_maxMessageBytes)
            {
                _onTooLarge(length);
                throw RejectionStatus.Create(StatusCode.ResourceExhausted, RejectionStatus.TooLarge, $"a message frame declares {length} bytes; the limit is {_maxMessageBytes}");
            }

            _nextHeader += HeaderSize + length;
            _frames++;
        }

        if (_singleMessage && (_frames > 1 || (_frames == 1 && end > _nextHeader)))
        {
            throw Malformed("the method takes one request message; more data followed it");
        }

        if (completed && end != _nextHeader)
        {
            throw Malformed($"the request body ended inside a message frame, after {end} bytes");
        }

        if (completed && _singleMessage && _frames == 0)
        {
            throw Malformed("the request body holds no message; the method takes one");
        }
    }

    private RpcException Malformed(string reason)
    {
        _onMalformed(reason);
        return RejectionStatus.Create(StatusCode.InvalidArgument, RejectionStatus.MalformedMessage, reason);
    }
}
