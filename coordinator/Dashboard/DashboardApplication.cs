using System.Security.Cryptography.X509Certificates;
using System.Threading.RateLimiting;
using Federated.Coordinator.Operations;
using Federated.Coordinator.Rounds;
using Federated.Coordinator.Security;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Federated.Coordinator.Dashboard;

/// <summary>Builds the dashboard's web application: Kestrel on <see cref="DashboardOptions.Url"/>, cookie sign-in, policies, Razor Pages and the live endpoints.</summary>
internal static class DashboardApplication
{
    /// <summary>The session cookie's name.</summary>
    public const string CookieName = "federated-dashboard";

    public static WebApplication Build(IServiceProvider coordinator, DashboardOptions options)
    {
        var environment = coordinator.GetRequiredService<IHostEnvironment>();

        // An empty builder: the coordinator's configuration (its Urls, its Kestrel endpoints) must not leak into this one.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            // Razor Pages are found in the application's assembly: the coordinator's, whoever hosts it (tests do).
            ApplicationName = typeof(DashboardApplication).Assembly.GetName().Name,
            ContentRootPath = environment.ContentRootPath,
            EnvironmentName = environment.EnvironmentName,
        });
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel => Listen(kestrel, options));

        Share(builder.Services, coordinator);
        builder.Services.AddRouting();
        builder.Services.AddRazorPages(pages => pages.RootDirectory = "/Dashboard/Pages");

        // Sessions and anti-forgery tokens are sealed with keys that live as long as the process: a restart signs
        // everyone out rather than leaving key files to guard.
        builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
        builder.Services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = CookieName + "-af";
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.HttpOnly = true;
        });
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(cookie =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = TimeSpan.FromMinutes(options.SessionMinutes);
            cookie.SlidingExpiration = true;
            cookie.LoginPath = "/signin";
            cookie.LogoutPath = "/signout";
            cookie.ReturnUrlParameter = "returnUrl";

            // A viewer who tries to act gets a plain 403, not a redirect to a page that does not exist.
            cookie.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(DashboardAuthorization.ViewPolicy, policy => policy.RequireRole(DashboardAuthorization.OperatorRole, DashboardAuthorization.ViewerRole))
            .AddPolicy(DashboardAuthorization.ActPolicy, policy => policy.RequireRole(DashboardAuthorization.OperatorRole))
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireRole(DashboardAuthorization.OperatorRole, DashboardAuthorization.ViewerRole).Build());
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(DashboardAuthorization.SignInRateLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = options.SignInRequestsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });

        var app = builder.Build();
        app.Use(SecurityHeaders);
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapRazorPages();
        DashboardEndpoints.Map(app);
        return app;
    }

    /// <summary>One HTTP/1.1 endpoint (browsers), with TLS when the URL is https://, and the connection limit.</summary>
    private static void Listen(KestrelServerOptions kestrel, DashboardOptions options)
    {
        if (!DashboardOptionsValidator.TryParseEndpoint(options.Url, out var address, out var port, out var https))
        {
            // Validated at start (DashboardOptionsValidator); reaching here means the options were built by hand.
            throw new InvalidOperationException($"Dashboard:Url '{options.Url}' is not a dashboard URL");
        }

        kestrel.Limits.MaxConcurrentConnections = options.MaxConnections;
        kestrel.AddServerHeader = false;
        var certificate = https ? LoadCertificate(options) : null;
        void Configure(ListenOptions listen)
        {
            listen.Protocols = HttpProtocols.Http1;
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }

        if (address is null)
        {
            kestrel.ListenAnyIP(port, Configure);
        }
        else
        {
            kestrel.Listen(address, port, Configure);
        }
    }

    private static X509Certificate2 LoadCertificate(DashboardOptions options) =>
        Hosting.CertificateFiles.Load(options.CertificatePath, options.CertificateKeyPath, options.CertificatePassword);

    /// <summary>The coordinator's instances, not copies: the dashboard reads the very engine the nodes talk to.</summary>
    private static void Share(IServiceCollection services, IServiceProvider coordinator)
    {
        services.Replace(ServiceDescriptor.Singleton(coordinator.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(coordinator.GetRequiredService<TimeProvider>());
        services.AddSingleton(coordinator.GetRequiredService<RoundEngine>());
        services.AddSingleton(coordinator.GetRequiredService<RoundEventHub>());
        services.AddSingleton(coordinator.GetRequiredService<OperatorQueries>());
        services.AddSingleton(coordinator.GetRequiredService<OperatorCommands>());
        services.AddSingleton(coordinator.GetRequiredService<RejectionTally>());
        services.AddSingleton(coordinator.GetRequiredService<IOptions<DashboardOptions>>());
        services.AddSingleton(coordinator.GetRequiredService<OpenTelemetry.Metrics.MeterProvider>());
        services.AddSingleton(new DashboardCredentials(coordinator.GetRequiredService<AdminCredential>(), coordinator.GetRequiredService<IOptions<DashboardOptions>>().Value.ViewerToken));
        services.AddSingleton<LearningCurveCharts>();
    }

    /// <summary>
    /// Pages may run no script but their own file, load nothing from elsewhere, and not be framed; charts are served as
    /// images, which run no script either.
    /// </summary>
    private static Task SecurityHeaders(HttpContext context, RequestDelegate next)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        return next(context);
    }
}
