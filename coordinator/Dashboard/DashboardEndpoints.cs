using System.Reflection;
using System.Threading.Channels;
using Federated.Coordinator.Rounds;
using OpenTelemetry.Metrics;

namespace Federated.Coordinator.Dashboard;

/// <summary>The dashboard's endpoints that are not pages: its stylesheet and script, the charts and the live event stream.</summary>
internal static class DashboardEndpoints
{
    /// <summary>Most events waiting for one slow browser; older ones are dropped (each only asks for a refresh anyway).</summary>
    private const int EventBacklog = 64;

    public static void Map(WebApplication app)
    {
        var css = ReadAsset("dashboard.css");
        var js = ReadAsset("dashboard.js");
        app.MapGet("/dashboard.css", () => Results.Text(css, "text/css; charset=utf-8")).AllowAnonymous();
        app.MapGet("/dashboard.js", () => Results.Text(js, "text/javascript; charset=utf-8")).AllowAnonymous();
        app.MapGet("/runs/{runId}/charts/{task}/{figure}.svg", Chart).RequireAuthorization(DashboardAuthorization.ViewPolicy);
        app.MapGet("/runs/{runId}/events", EventsAsync).RequireAuthorization(DashboardAuthorization.ViewPolicy);

        // Scrapers do not sign in: the counts and durations are no secret, and the endpoint is on loopback by default.
        app.MapPrometheusScrapingEndpoint("/metrics", app.Services.GetRequiredService<MeterProvider>(), configureBranchedPipeline: null, optionsName: null).AllowAnonymous();
    }

    private static IResult Chart(string runId, string task, string figure, LearningCurveCharts charts)
    {
        try
        {
            return charts.Render(runId, task, figure) is { } svg ? Results.Text(svg, "image/svg+xml; charset=utf-8") : Results.NotFound();
        }
        catch (RejectionException e) when (e.Reason == Rejection.UnknownRun)
        {
            return Results.NotFound();
        }
    }

    /// <summary>
    /// Server-sent events: one <c>round</c> event per engine event of the run (its kind and round only; the page fetches
    /// what changed), until the browser leaves or the dashboard stops.
    /// </summary>
    private static async Task EventsAsync(string runId, HttpContext context, RoundEngine engine, RoundEventHub hub, IHostApplicationLifetime lifetime)
    {
        try
        {
            engine.GetRun(runId);
        }
        catch (RejectionException e) when (e.Reason == Rejection.UnknownRun)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var channel = Channel.CreateBounded<RoundEvent>(new BoundedChannelOptions(EventBacklog) { FullMode = BoundedChannelFullMode.DropOldest });
        using var subscription = hub.Subscribe(e =>
        {
            if (e.RunId == runId)
            {
                channel.Writer.TryWrite(e);
            }
        });
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        try
        {
            // A comment first, so the browser sees the stream open (and the subscription exists) before any event.
            await context.Response.WriteAsync(": open\n\n", ended.Token).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(ended.Token).ConfigureAwait(false);
            await foreach (var e in channel.Reader.ReadAllAsync(ended.Token).ConfigureAwait(false))
            {
                await context.Response.WriteAsync($"event: round\ndata: {e.Kind} {e.Round}\n\n", ended.Token).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(ended.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
            // The browser left, or the dashboard is stopping.
        }
    }

    private static string ReadAsset(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Federated.Coordinator.Dashboard.Assets." + name)
            ?? throw new InvalidOperationException($"the dashboard's {name} is not embedded in the coordinator");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
