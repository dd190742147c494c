using Federated.Coordinator.Grpc;
using Federated.Coordinator.Nodes;
using Federated.Coordinator.Operations;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Rounds.Pipeline;
using Federated.Coordinator.Security;
using Federated.Coordinator.Storage;
using Federated.Coordinator.Uploads;
using Federated.Protos.V1;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Hosting;

/// <summary>
/// Builds the coordinator web application: options, storage, engine, bearer-token authentication with a policy per
/// service, gRPC services with one exception-to-status interceptor, a store health check and reflection.
/// </summary>
public static class CoordinatorHost
{
    /// <summary>Creates the builder with every service registered; <paramref name="configure"/> may override any of them (tests swap the clock).</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);

        // Plain-http endpoints speak HTTP/2 with prior knowledge (h2c), so grpcurl and grpcio work without TLS;
        // TLS endpoints negotiate h2 by ALPN. An endpoint's own Protocols setting in Kestrel config overrides this.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2));

        // grpc-dotnet logs every failed read at Information with its stack trace; the coordinator logs one warning per
        // refused request instead (GrpcLog), and grpc-dotnet's errors (Warning and above) still get through.
        builder.Logging.AddFilter("Grpc.AspNetCore.Server.ServerCallHandler", LogLevel.Warning);
        AddCoordinator(builder.Services, builder.Environment.ContentRootPath);
        configure?.Invoke(builder);
        var app = builder.Build();

        // Authentication runs before the gRPC endpoint reads the body: a caller without a valid token is refused as soon
        // as its headers arrive, and nothing it sends is buffered. Frame headers are checked as they arrive, after it.
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use(GuardFrames);
        app.MapGrpcService<FederationService>();
        app.MapGrpcService<OperatorService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }

    /// <summary>Registers the coordinator's services (idempotent).</summary>
    public static IServiceCollection AddCoordinator(IServiceCollection services, string contentRoot)
    {
        services.AddOptions<CoordinatorOptions>().BindConfiguration(CoordinatorOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CoordinatorOptions>, CoordinatorOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<CoordinatorOptions>>().Value;
            var path = options.DatabasePath == ":memory:" ? ":memory:" : Path.GetFullPath(options.DatabasePath, contentRoot);
            HostingLog.StoreOpened(sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CoordinatorHost)), path);
            return new SqliteStore(path);
        });
        services.TryAddSingleton<CoordinatorMetrics>();
        services.TryAddSingleton<UploadSlots>();
        services.TryAddSingleton<TensorArrayPool>();

        // Features that add steps to a run's pipeline register an IRoundPipelineExtension; the engine is not edited.
        // Differential privacy draws its noise from the system CSPRNG unless a host (the simulation) replaces the source.
        services.TryAddSingleton(Aggregation.Privacy.PrivacyNoiseSource.System);
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<CoordinatorOptions>>().Value;
            var buffer = new Aggregation.Robust.UpdateBufferOptions { MemoryLimitBytes = options.AggregationBufferBytes, SpillDirectory = options.AggregationSpillDirectory };
            return new RoundPipelineFactory(sp.GetServices<IRoundPipelineExtension>(), buffer, sp.GetRequiredService<Aggregation.Privacy.PrivacyNoiseSource>());
        });
        services.TryAddSingleton<RoundEventHub>();
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<CoordinatorOptions>>().Value;
            var engine = new RoundEngine(
                sp.GetRequiredService<SqliteStore>(),
                sp.GetRequiredService<TimeProvider>(),
                new RoundEngineOptions { NodeLivenessTimeout = TimeSpan.FromSeconds(options.NodeLivenessSeconds), KeepLastVersions = options.KeepLastVersions, MaxLabelledExamples = options.MaxLabelledExamples },
                sp.GetRequiredService<ILogger<RoundEngine>>(),
                sp.GetRequiredService<CoordinatorMetrics>(),
                sp.GetRequiredService<RoundPipelineFactory>(),
                sp.GetRequiredService<RoundEventHub>());
            engine.Restore();
            return engine;
        });
        services.TryAddSingleton(sp => new NodeDirectory(sp.GetRequiredService<SqliteStore>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<OperatorQueries>();
        services.TryAddSingleton<OperatorCommands>();
        services.TryAddSingleton<RejectionTally>();
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<CoordinatorOptions>>().Value;
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdminTokenSource));
            return new AdminCredential(AdminTokenSource.Resolve(options, sp.GetRequiredService<SqliteStore>().DatabasePath, logger));
        });
        services.AddHostedService<RoundTicker>();

        // Bulk uploads: a plain TCP (or TLS) port beside gRPC for an update's values (off unless BulkUpload:Enabled).
        services.AddOptions<Bulk.BulkUploadOptions>().BindConfiguration(Bulk.BulkUploadOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Bulk.BulkUploadOptions>, Bulk.BulkUploadOptionsValidator>());
        services.TryAddSingleton<Bulk.BulkUploadTickets>();
        services.TryAddSingleton<Bulk.BulkUploadReceiver>();
        if (!services.Any(d => d.ServiceType == typeof(Bulk.BulkUploadListener)))
        {
            services.AddSingleton<Bulk.BulkUploadListener>();
            services.AddHostedService(sp => sp.GetRequiredService<Bulk.BulkUploadListener>());
        }
        services.AddCoordinatorTelemetry();

        // The dashboard: a second Kestrel endpoint for browsers over the same engine (off when Dashboard:Url is empty).
        services.AddOptions<Dashboard.DashboardOptions>().BindConfiguration(Dashboard.DashboardOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Dashboard.DashboardOptions>, Dashboard.DashboardOptionsValidator>());
        if (!services.Any(d => d.ServiceType == typeof(Dashboard.DashboardServer)))
        {
            services.AddSingleton<Dashboard.DashboardServer>();
            services.AddHostedService(sp => sp.GetRequiredService<Dashboard.DashboardServer>());
        }
        services.TryAddSingleton<RejectionInterceptor>();
        services.TryAddSingleton<RequestLimitInterceptor>();
        services.AddGrpc();
        services.AddOptions<global::Grpc.AspNetCore.Server.GrpcServiceOptions>().Configure(grpc =>
        {
            // First added is outermost: string limits are checked before the rejection mapping sees the call.
            if (!grpc.Interceptors.Any(i => i.Type == typeof(RequestLimitInterceptor)))
            {
                grpc.Interceptors.Add<RequestLimitInterceptor>();
            }

            if (!grpc.Interceptors.Any(i => i.Type == typeof(RejectionInterceptor)))
            {
                grpc.Interceptors.Add<RejectionInterceptor>();
            }
        });

        // The two services are bound with request marshallers that turn malformed protobuf into InvalidArgument.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<FederationService>, ValidatingMethodProvider<FederationService>>(
            sp => new ValidatingMethodProvider<FederationService>(b => Federation.BindService(b, null), sp.GetRequiredService<ILogger<FederationService>>())));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<OperatorService>, ValidatingMethodProvider<OperatorService>>(
            sp => new ValidatingMethodProvider<OperatorService>(b => Operator.BindService(b, null), sp.GetRequiredService<ILogger<OperatorService>>())));

        // Connection limits, explicit and configurable (CoordinatorOptions), applied to every Kestrel endpoint.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<CoordinatorOptions>>((kestrel, options) => ApplyLimits(kestrel.Limits, options.Value));

        // Kestrel's connection buffers in blocks of TransportBlockBytes rather than its fixed 4 KiB (TransportMemoryPool).
        // Replace, not TryAdd: the web host registers Kestrel's own factory before this runs.
        services.Replace(ServiceDescriptor.Singleton<IMemoryPoolFactory<byte>, TransportMemoryPoolFactory>());

        // Explicit limits, checked on the decompressed message too; chunks are ≤ 1 MiB so the 4 MiB default leaves headroom.
        services.AddOptions<global::Grpc.AspNetCore.Server.GrpcServiceOptions>().Configure<IOptions<CoordinatorOptions>>((grpc, options) =>
        {
            grpc.MaxReceiveMessageSize = options.Value.MaxMessageBytes;
            grpc.MaxSendMessageSize = options.Value.MaxMessageBytes;
        });

        // Request decompression that fails is the caller's malformed message, not an error of the service.
        services.AddOptions<global::Grpc.AspNetCore.Server.GrpcServiceOptions>().Configure<ILoggerFactory>((grpc, loggers) =>
        {
            if (grpc.CompressionProviders.Count == 0)
            {
                // grpc-dotnet's defaults, which it adds only to an empty list.
                grpc.CompressionProviders.Add(new global::Grpc.Net.Compression.GzipCompressionProvider(System.IO.Compression.CompressionLevel.Fastest));
                grpc.CompressionProviders.Add(new global::Grpc.Net.Compression.DeflateCompressionProvider(System.IO.Compression.CompressionLevel.Fastest));
            }

            DecompressionGuard.WrapAll(grpc.CompressionProviders, loggers.CreateLogger<DecompressionGuard>());
        });
        services.AddGrpcReflection();

        // Resolve the engine (and so restore runs) and the admin token at start, not at the first call.
        services.AddHostedService<CoordinatorWarmup>();

        // Schemes and health checks throw on a second registration under the same name.
        if (!services.Any(d => d.ServiceType == typeof(BearerTokenHandler)))
        {
            services.AddAuthentication(CoordinatorAuthorization.Scheme)
                .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(CoordinatorAuthorization.Scheme, configureOptions: null);
            services.AddAuthorizationBuilder()
                .AddPolicy(CoordinatorAuthorization.NodePolicy, policy => policy.AddAuthenticationSchemes(CoordinatorAuthorization.Scheme).RequireRole(CoordinatorAuthorization.NodeRole))
                .AddPolicy(CoordinatorAuthorization.OperatorPolicy, policy => policy.AddAuthenticationSchemes(CoordinatorAuthorization.Scheme).RequireRole(CoordinatorAuthorization.OperatorRole));
            services.AddGrpcHealthChecks().AddCheck<StoreHealthCheck>("store");
        }

        return services;
    }

    /// <summary>Sets Kestrel's connection, stream, header-time, body-rate and HTTP/2 window limits from <paramref name="options"/>.</summary>
    public static void ApplyLimits(KestrelServerLimits limits, CoordinatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(options);
        limits.MaxConcurrentConnections = options.MaxConnections;
        limits.MaxConcurrentUpgradedConnections = options.MaxConnections;
        limits.Http2.MaxStreamsPerConnection = options.MaxStreamsPerConnection;
        limits.RequestHeadersTimeout = TimeSpan.FromSeconds(options.RequestHeadersTimeoutSeconds);
        limits.MinRequestBodyDataRate = new MinDataRate(options.MinRequestBytesPerSecond, TimeSpan.FromSeconds(5));
        limits.Http2.InitialConnectionWindowSize = options.Http2InitialConnectionWindowBytes;
        limits.Http2.InitialStreamWindowSize = options.Http2InitialStreamWindowBytes;
    }

    /// <summary>Puts a <see cref="GrpcFrameGuard"/> in front of a gRPC call's request body.</summary>
    private static Task GuardFrames(HttpContext context, RequestDelegate next)
    {
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            var limit = context.RequestServices.GetRequiredService<IOptions<CoordinatorOptions>>().Value.MaxMessageBytes;
            var logger = context.RequestServices.GetRequiredService<ILogger<GrpcFrameGuard>>();
            var method = context.Request.Path.Value ?? "";
            // A unary or server-streaming method reads exactly one request message (an unknown path: no such rule).
            var type = context.GetEndpoint()?.Metadata.GetMetadata<global::Grpc.AspNetCore.Server.GrpcMethodMetadata>()?.Method.Type;
            var singleMessage = type is MethodType.Unary or MethodType.ServerStreaming;
            var guard = new GrpcFrameGuard(
                context.Request.BodyReader,
                limit,
                singleMessage,
                context.Request.Headers["grpc-encoding"] is [{ Length: > 0 } encoding] && encoding != "identity",
                length => GrpcLog.FrameTooLarge(logger, method, length, limit),
                reason => GrpcLog.MalformedMessage(logger, method, reason));
            context.Features.Set<IRequestBodyPipeFeature>(new GuardedBody(guard));
        }

        return next(context);
    }
}
