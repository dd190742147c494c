using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace Federated.Coordinator.Hosting;

/// <summary>A request body feature that hands out a wrapped reader (the gRPC frame guard).</summary>
internal sealed class GuardedBody : IRequestBodyPipeFeature
{
    public GuardedBody(PipeReader reader) => Reader = reader;

    /// <inheritdoc />
    public PipeReader Reader { get; }
}
