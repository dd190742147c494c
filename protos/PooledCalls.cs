using Federated.Protos.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Federated.Protos;

/// <summary>
/// Client-side method descriptors of <c>federated.v1.Federation</c> whose responses are parsed by
/// <see cref="PooledChunkParser"/>: the same calls on the wire as the generated client's, with tensor values in pooled
/// buffers. Read their streams with <see cref="ModelStreamReader"/>, which gives each buffer back once it is copied.
/// </summary>
public static class PooledCalls
{
    /// <summary><c>DownloadModel</c>: a server stream of one header and the model's tensor chunks.</summary>
    public static Method<DownloadModelRequest, ModelChunk> DownloadModel { get; } = new(
        MethodType.ServerStreaming,
        Federation.Descriptor.FullName,
        "DownloadModel",
        Marshallers.Create(request => request.ToByteArray(), bytes => DownloadModelRequest.Parser.ParseFrom(bytes)),
        Marshallers.Create<ModelChunk>(
            (chunk, context) =>
            {
                context.SetPayloadLength(chunk.CalculateSize());
                chunk.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            PooledChunkParser.ParseModelChunk));
}
