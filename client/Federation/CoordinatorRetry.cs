using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Federated.Client.Federation;

/// <summary>
/// A node's retry loop for calls to the coordinator: a call that fails with <see cref="CoordinatorUnavailableException"/>
/// is tried again after <see cref="RetryBackoff"/>'s exponential delay with jitter, up to
/// <see cref="RetryOptions.MaxRetries"/> times (0 = until stopped); every other exception passes through at once.
/// </summary>
/// <remarks>
/// Each retry is logged and reported as <see cref="NodeProgressKind.Retrying"/>. The call and the waits between attempts
/// take separate tokens, so that an upload in flight can be finished while a stop still ends the waits. Safe to share
/// between nodes and threads when <see cref="RetryOptions.Jitter"/> and <see cref="RetryOptions.Delay"/> are.
/// </remarks>
public sealed class CoordinatorRetry
{
    private readonly RetryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IProgress<NodeProgress>? _progress;

    /// <summary>A retry loop.</summary>
    /// <param name="options">Backoff and limits; defaults when null.</param>
    /// <param name="time">The clock for delays; the system clock when null.</param>
    /// <param name="logger">Logs each retry.</param>
    /// <param name="progress">Receives each retry, synchronously.</param>
    public CoordinatorRetry(RetryOptions? options = null, TimeProvider? time = null, ILogger? logger = null, IProgress<NodeProgress>? progress = null)
    {
        _options = options ?? new RetryOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(_options.MaxRetries, nameof(options));
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _progress = progress;
    }

    /// <summary>Runs <paramref name="call"/> until it succeeds, fails otherwise, or the retries are spent.</summary>
    /// <param name="what">The call, for logs (e.g. <c>upload of round 3</c>).</param>
    /// <param name="call">The call; it gets <paramref name="callToken"/>.</param>
    /// <param name="callToken">Cancels the call itself.</param>
    /// <param name="delayToken">Cancels the waits between attempts.</param>
    /// <param name="giveUpAfter">
    /// Stop retrying once this much time would have passed since the first attempt (the last failure is thrown, saying
    /// so); null: only <see cref="RetryOptions.MaxRetries"/> limits the attempts.
    /// </param>
    /// <returns>The call's result.</returns>
    /// <exception cref="CoordinatorUnavailableException">The last failure, once the retries are spent.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="delayToken"/> was cancelled during a wait.</exception>
    public async Task<T> RunAsync<T>(string what, Func<CancellationToken, Task<T>> call, CancellationToken callToken, CancellationToken delayToken, TimeSpan? giveUpAfter = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        var started = _time.GetTimestamp();
        var waited = TimeSpan.Zero;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(callToken).ConfigureAwait(false);
            }
            catch (CoordinatorUnavailableException e) when (_options.MaxRetries == 0 || attempt <= _options.MaxRetries)
            {
                var delay = RetryBackoff.Delay(attempt, _options.InitialBackoff, _options.MaxBackoff, _options.Jitter?.Invoke() ?? Random.Shared.NextDouble());

                // Time spent so far: the clock's, or the backoff waited when the waits are not on that clock (tests).
                var spent = TimeSpan.FromTicks(Math.Max(_time.GetElapsedTime(started).Ticks, waited.Ticks));
                if (giveUpAfter is { } limit && spent + delay > limit)
                {
                    throw new CoordinatorUnavailableException($"{e.Message}; gave up after {attempt} attempts in {spent.TotalSeconds:0.#} s", e);
                }

                waited += delay;
                NodeRunnerLog.Retrying(_logger, what, attempt, delay, e.Message);
                _progress?.Report(new NodeProgress(NodeProgressKind.Retrying, null, null, $"{what}: coordinator unreachable, retry {attempt} in {delay.TotalSeconds:0.#} s"));
                await DelayAsync(delay, delayToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs a call without a result; see <see cref="RunAsync{T}"/>.</summary>
    public Task RunAsync(string what, Func<CancellationToken, Task> call, CancellationToken callToken, CancellationToken delayToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        return RunAsync(what, async ct =>
        {
            await call(ct).ConfigureAwait(false);
            return true;
        }, callToken, delayToken);
    }

    /// <summary>Waits <paramref name="delay"/> with <see cref="RetryOptions.Delay"/>, or on the clock.</summary>
    public Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        _options.Delay is { } custom ? custom(delay, cancellationToken) : Task.Delay(delay, _time, cancellationToken);
}
