using Federated.Coordinator.Rounds;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Federated.Coordinator.Hosting;

/// <summary>
/// OpenTelemetry for the coordinator: its meter (<see cref="CoordinatorMetrics"/>) for the Prometheus scrape endpoint
/// on the dashboard's port (<c>/metrics</c>), and, when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, the meter and the
/// traces of rounds (<see cref="RoundTracing"/>) sent by OTLP (the exporter reads the other standard <c>OTEL_*</c>
/// variables itself). The engine knows System.Diagnostics only; this is the one place that names OpenTelemetry.
/// </summary>
public static class CoordinatorTelemetry
{
    /// <summary>The environment variable that turns the OTLP exporter on.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The service name reported with every metric and span (unless <c>OTEL_SERVICE_NAME</c> says otherwise).</summary>
    public const string ServiceName = "federated-coordinator";

    /// <summary>Registers OpenTelemetry once; a second call adds nothing.</summary>
    public static IServiceCollection AddCoordinatorTelemetry(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(Marker)))
        {
            return services;
        }

        services.AddSingleton<Marker>();
        var otlp = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OtlpEndpointVariable));
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName, serviceVersion: typeof(CoordinatorTelemetry).Assembly.GetName().Version?.ToString()))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(CoordinatorMetrics.MeterName).AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        if (otlp)
        {
            // Traces only when they go somewhere: without a listener the engine creates no activity at all.
            telemetry.WithTracing(tracing => tracing.AddSource(RoundTracing.SourceName).AddOtlpExporter());
        }

        return services;
    }

    private sealed class Marker;
}
