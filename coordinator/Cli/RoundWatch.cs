using Federated.Protos.V1;
using Grpc.Core;

namespace Federated.Coordinator.Cli;

/// <summary>
/// <c>admin watch [--run R]</c>: prints round events as they come. With a run, it ends with one final line when that
/// run completes, is stopped or fails (also when it had already ended); without one it goes on until Ctrl-C. A
/// connection that breaks while watching becomes a <see cref="CoordinatorLostException"/>.
/// </summary>
internal sealed class RoundWatch(Operator.OperatorClient client, Metadata headers, TextWriter output, Func<Protos.V1.RoundEvent, string> format)
{
    /// <summary>Watches until the run ends (when <paramref name="runId"/> is set) or Ctrl-C; returns the exit code.</summary>
    public async Task<int> RunAsync(string runId, CancellationToken cancellationToken)
    {
        using var call = client.WatchRounds(new RunRequest { RunId = runId }, headers, cancellationToken: cancellationToken);

        // The coordinator sends its headers once it has subscribed: a run that ended before is seen by the look below,
        // one that ends after by an event. (Refusals such as an unknown run arrive here too.)
        await call.ResponseHeadersAsync.ConfigureAwait(false);
        if (runId.Length > 0)
        {
            var run = (await client.ListRunsAsync(new ListRunsRequest(), headers, cancellationToken: cancellationToken)).Runs.FirstOrDefault(r => r.RunId == runId);
            if (run is not null && Ended(run.State))
            {
                await output.WriteLineAsync(FinalLine(runId, run.State, run.ModelVersion, run.Message)).ConfigureAwait(false);
                return AdminExitCodes.Done;
            }
        }

        try
        {
            await foreach (var e in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await output.WriteLineAsync(format(e)).ConfigureAwait(false);
                if (runId.Length > 0 && e.Kind == Protos.V1.RoundEvent.Types.Kind.RunStateChanged && Ended(e.RunState))
                {
                    await output.WriteLineAsync(FinalLine(runId, e.RunState, e.ModelVersion, e.Message)).ConfigureAwait(false);
                    return AdminExitCodes.Done;
                }
            }
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            return AdminExitCodes.Done;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return AdminExitCodes.Done;
        }
        catch (Exception e) when (e is IOException or System.Net.Http.HttpRequestException || (e is RpcException rpc && AdminFailure.IsConnectionFailure(rpc)))
        {
            throw new CoordinatorLostException(e);
        }

        // The coordinator ended the stream (it is shutting down): for a watcher, that is losing it.
        throw new CoordinatorLostException(new IOException("the coordinator closed the stream (shutting down?)"));
    }

    private static bool Ended(RunState state) => state is RunState.Completed or RunState.Stopped or RunState.Failed;

    private static string FinalLine(string runId, RunState state, long version, string message) =>
        $"run {runId} {state.ToString().ToLowerInvariant()} at version {version}" + (message.Length > 0 ? $": {message}" : "");
}
