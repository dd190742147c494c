using System.Collections.Concurrent;
using Federated.Protos.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Federated.Client.Tests.Federation;

/// <summary>A server interceptor that records every upload header and tensor chunk as it arrives on the wire, before the coordinator reads it.</summary>
public sealed class UploadRecorder : Interceptor
{
    public ConcurrentQueue<UpdateHeader> Headers { get; } = new();

    public ConcurrentQueue<(string UploadId, string Tensor, bool Sparse)> Chunks { get; } = new();

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(new Recording<TRequest>(requestStream, this), context);

    private sealed class Recording<T>(IAsyncStreamReader<T> inner, UploadRecorder recorder) : IAsyncStreamReader<T>
    {
        private string _uploadId = "";

        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (!await inner.MoveNext(cancellationToken))
            {
                return false;
            }

            if (inner.Current is UpdateChunk chunk)
            {
                if (chunk.Header is { } header)
                {
                    _uploadId = header.UploadId;
                    recorder.Headers.Enqueue(header);
                }
                else if (chunk.Tensor is { } tensor)
                {
                    recorder.Chunks.Enqueue((_uploadId, tensor.Name, tensor.Sparse));
                }
            }

            return true;
        }
    }
}
