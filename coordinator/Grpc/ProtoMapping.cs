using Federated.Coordinator.Rounds;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Protos;
using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Coordinator.Grpc;

/// <summary>Conversions between engine types and messages, and the model stream writer.</summary>
internal static class ProtoMapping
{
    public static RunState ToProto(RunStatus status) => status switch
    {
        RunStatus.Running => RunState.Running,
        RunStatus.Paused => RunState.Paused,
        RunStatus.Completed => RunState.Completed,
        RunStatus.Stopped => RunState.Stopped,
        RunStatus.Failed => RunState.Failed,
        _ => RunState.Unspecified,
    };

    public static Protos.V1.RoundState ToProto(Rounds.RoundState state) => state switch
    {
        Rounds.RoundState.Open => Protos.V1.RoundState.Open,
        Rounds.RoundState.Committed => Protos.V1.RoundState.Committed,
        Rounds.RoundState.Failed => Protos.V1.RoundState.Failed,
        Rounds.RoundState.Abandoned => Protos.V1.RoundState.Abandoned,
        _ => Protos.V1.RoundState.Unspecified,
    };

    public static RunInfo ToProto(RunSummary run) => new()
    {
        RunId = run.RunId,
        Name = run.Name,
        State = ToProto(run.Status),
        ModelVersion = run.ModelVersion,
        Rounds = run.Rounds,
        CurrentRound = run.CurrentRound,
        Strategy = run.Strategy,
        CreatedUnixMs = run.CreatedAt.ToUnixTimeMilliseconds(),
        ConfigJson = run.ConfigJson,
        Message = run.Message,
    };

    public static RoundInfo ToProto(StoredRound round)
    {
        var info = new RoundInfo
        {
            RunId = round.RunId,
            Round = round.Round,
            BaseVersion = round.BaseVersion,
            State = ToProto(round.State),
            Updates = round.Updates,
            StartedUnixMs = round.StartedAt.ToUnixTimeMilliseconds(),
            DeadlineUnixMs = round.Deadline.ToUnixTimeMilliseconds(),
            ClosedUnixMs = round.ClosedAt?.ToUnixTimeMilliseconds() ?? 0,
            ResultVersion = round.ResultVersion ?? 0,
        };
        info.Selected.Add(round.Selected);
        return info;
    }

    public static TaskMetricRow ToProto(StoredMetric metric)
    {
        var row = new TaskMetricRow { Round = metric.Round, Task = metric.Task, Kind = metric.Kind };
        row.Summary.Add(metric.Summary);
        foreach (var (name, value) in TaskMetrics.FromArray(metric.Task, metric.Summary).ToFigures())
        {
            row.Figures[name] = value;
        }

        return row;
    }

    public static Protos.V1.RoundEvent ToProto(Rounds.RoundEvent e) => new()
    {
        Kind = e.Kind switch
        {
            RoundEventKind.RoundStarted => Protos.V1.RoundEvent.Types.Kind.RoundStarted,
            RoundEventKind.UpdateAccepted => Protos.V1.RoundEvent.Types.Kind.UpdateAccepted,
            RoundEventKind.UpdateRejected => Protos.V1.RoundEvent.Types.Kind.UpdateRejected,
            RoundEventKind.RoundCommitted => Protos.V1.RoundEvent.Types.Kind.RoundCommitted,
            RoundEventKind.RoundFailed => Protos.V1.RoundEvent.Types.Kind.RoundFailed,
            RoundEventKind.RunStateChanged => Protos.V1.RoundEvent.Types.Kind.RunStateChanged,
            _ => Protos.V1.RoundEvent.Types.Kind.Unspecified,
        },
        RunId = e.RunId,
        Round = e.Round,
        ModelVersion = e.ModelVersion,
        NodeId = e.NodeId,
        Message = e.Message,
        UnixMs = e.At.ToUnixTimeMilliseconds(),
        RunState = ToProto(e.RunStatus),
    };

    /// <summary>Streams a header and then every tensor of <paramref name="parameters"/> in chunks of ≤ 1 MiB, without copying values.</summary>
    /// <param name="stream">The response stream.</param>
    /// <param name="runId">The run.</param>
    /// <param name="version">The model version.</param>
    /// <param name="parameters">The coordinator's parameters of that version: the shared tensors only.</param>
    /// <param name="layoutFingerprint">The fingerprint of the model's full layout, as nodes compute it from the spec.</param>
    /// <param name="specJson">The spec, for exports; empty for downloads.</param>
    /// <param name="cancellationToken">Stops the stream.</param>
    public static async Task WriteModelAsync(IServerStreamWriter<ModelChunk> stream, string runId, long version, ParameterSet parameters, string layoutFingerprint, string specJson, CancellationToken cancellationToken)
    {
        var list = parameters.Layout.Tensors;
        var header = new ModelHeader { RunId = runId, ModelVersion = version, LayoutFingerprint = layoutFingerprint, ModelSpecJson = specJson };
        foreach (var tensor in list)
        {
            header.Tensors.Add(new TensorDescriptor { Name = tensor.Name, Rows = tensor.Rows, Columns = tensor.Columns });
        }

        await stream.WriteAsync(new ModelChunk { Header = header }, cancellationToken).ConfigureAwait(false);
        foreach (var tensor in list)
        {
            foreach (var chunk in TensorChunker.Dense(tensor.Name, parameters.Values, tensor.Offset, tensor.Length))
            {
                await stream.WriteAsync(new ModelChunk { Tensor = chunk }, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
