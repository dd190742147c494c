using Federated.Coordinator.Rounds;
using Federated.Model.Metrics;
using Federated.Model.Parameters;
using Federated.Model.Spec;
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

    public static RunInfo ToProto(RunSummary run)
    {
        var info = ToProtoWithoutPrivacy(run);
        info.Privacy = PrivacyOf(run);
        return info;
    }

    /// <summary>What a private run has spent, with its target; null when the run is not private.</summary>
    public static Protos.V1.PrivacySpent? PrivacyOf(RunSummary run)
    {
        if (run.Privacy is not { } spent)
        {
            return null;
        }

        var privacy = new Protos.V1.PrivacySpent { Epsilon = spent.Epsilon, Delta = spent.Delta };
        if (run.TargetEpsilon is { } target)
        {
            privacy.TargetEpsilon = target;
        }

        return privacy;
    }

    private static RunInfo ToProtoWithoutPrivacy(RunSummary run) => new()
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

    /// <summary>
    /// Describes one tensor for a model header: name, shape, and the kind, scope, role, task and field that the layout
    /// compiled from the spec gives it, so that a node needs no rules of its own to tell embedding tables or task heads.
    /// </summary>
    public static TensorDescriptor ToDescriptor(TensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return new TensorDescriptor
        {
            Name = tensor.Name,
            Rows = tensor.Rows,
            Columns = tensor.Columns,
            Kind = tensor.Kind switch
            {
                TensorKind.Weight => TensorDescriptor.Types.Kind.Weight,
                TensorKind.Bias => TensorDescriptor.Types.Kind.Bias,
                TensorKind.Embedding => TensorDescriptor.Types.Kind.Embedding,
                _ => TensorDescriptor.Types.Kind.Unspecified,
            },
            Scope = tensor.Scope switch
            {
                ParameterScope.Shared => TensorDescriptor.Types.Scope.Shared,
                ParameterScope.Local => TensorDescriptor.Types.Scope.Local,
                _ => TensorDescriptor.Types.Scope.Unspecified,
            },
            Role = tensor.Role switch
            {
                TensorRole.Embedding => TensorDescriptor.Types.Role.Embedding,
                TensorRole.Trunk => TensorDescriptor.Types.Role.Trunk,
                TensorRole.Expert => TensorDescriptor.Types.Role.Expert,
                TensorRole.Gate => TensorDescriptor.Types.Role.Gate,
                TensorRole.Tower => TensorDescriptor.Types.Role.Tower,
                TensorRole.LossWeight => TensorDescriptor.Types.Role.LossWeight,
                _ => TensorDescriptor.Types.Role.Unspecified,
            },
            Task = tensor.Task ?? "",
            Field = tensor.Field ?? "",
        };
    }

    /// <summary>Streams a header and then every tensor of <paramref name="parameters"/> in chunks of ≤ 1 MiB, without copying values.</summary>
    /// <param name="stream">The response stream.</param>
    /// <param name="runId">The run.</param>
    /// <param name="version">The model version.</param>
    /// <param name="parameters">
    /// The coordinator's parameters of that version: the shared tensors only, over the run's compiled shared layout, whose
    /// tensors carry the kind, scope, role and task written into the header.
    /// </param>
    /// <param name="layoutFingerprint">The fingerprint of the model's full layout, as nodes compute it from the spec.</param>
    /// <param name="specJson">The spec, for exports; empty for downloads.</param>
    /// <param name="cancellationToken">Stops the stream.</param>
    public static async Task WriteModelAsync(IServerStreamWriter<ModelChunk> stream, string runId, long version, ParameterSet parameters, string layoutFingerprint, string specJson, CancellationToken cancellationToken)
    {
        var list = parameters.Layout.Tensors;
        var header = new ModelHeader { RunId = runId, ModelVersion = version, LayoutFingerprint = layoutFingerprint, ModelSpecJson = specJson };
        foreach (var tensor in list)
        {
            header.Tensors.Add(ToDescriptor(tensor));
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
