using System.Threading.RateLimiting;
using AdminPortal.Core.Domain;
using AdminPortal.Web.Features.Audit;
using AdminPortal.Web.Features.Connections;
using AdminPortal.Web.Features.Transport;
using AdminPortal.Web.Features.SecuritySystems;
using AdminPortal.Web.Features.Imports;
using AdminPortal.Core.Connectors.Http;
using AdminPortal.Web.Features.Users;
using AdminPortal.Web.Infrastructure;
using AdminPortal.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Identity;
using Radzen;

namespace Microsoft.Extensions.DependencyInjection;

public static class WebServiceCollectionExtensions
{
    private const string SmartScheme = "CookieOrBearer";

    /// <summary>Database, Data Protection and the portal's feature services.</summary>
    public static IServiceCollection AddPortalServices(this IServiceCollection services, string repositoryRoot)
    {
        services.AddOptions<PortalOptions>().BindConfiguration(PortalOptions.Section);
        // Resolved lazily, so settings added by test hosts after Program's code ran still apply.
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PortalOptions>>().Value;
            var dataDirectory = Path.GetFullPath(Path.Combine(repositoryRoot, options.DataDirectory));
            Directory.CreateDirectory(dataDirectory);
            return new DataDirectory(dataDirectory);
        });
        services.AddAdminPortalData(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PortalOptions>>().Value;
            var directory = sp.GetRequiredService<DataDirectory>().Path;
            return AdminPortal.Data.SqliteAdapter.ConnectionStringFor(Path.Combine(directory, options.DatabaseFileName));
        }, sp =>
        {
            var options = sp.GetRequiredService<IOptions<PortalOptions>>().Value;
            return new AdminPortal.Data.SqliteWaits(Math.Max(1, options.BusyTimeoutSeconds), Math.Max(1, options.BackgroundBusyTimeoutSeconds));
        });
        services.AddDataProtection().SetApplicationName("AdminPortal");
        services.AddOptions<KeyManagementOptions>().Configure<DataDirectory, ILoggerFactory>((o, dir, logs) =>
            o.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(Path.Combine(dir.Path, "keys")), logs));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IPasswordHasher<AppUser>, PasswordHasher<AppUser>>();
        services.AddScoped<DatabaseInitializer>();
        services.AddSingleton<AuditService>();
        services.AddSingleton<SignInService>();
        services.AddSingleton<ApiTokenService>();
        services.AddSingleton<UserService>();
        services.AddSingleton<UserCsvImporter>();
        services.AddSingleton<AttributeProtector>();
        services.AddSingleton<ConnectionService>();
        services.AddSingleton<TransportService>();
        services.AddSingleton<SecuritySystemService>();
        services.AddSingleton<AdminPortal.Web.Features.Onboarding.OnboardingService>();
        services.AddSingleton<AdminPortal.Web.Features.Simulated.SimulatedApplicationSetup>();
        // Demo mode (docs/demo.md): simulators in-process, demo people and packages.
        services.AddOptions<AdminPortal.Web.Features.Demo.DemoOptions>().BindConfiguration(AdminPortal.Web.Features.Demo.DemoOptions.Section);
        services.AddSingleton<AdminPortal.Web.Features.Demo.DemoEnvironment>();
        services.AddSingleton<AdminPortal.Web.Features.Demo.DemoMode>();
        services.AddSingleton<ImportQueue>();
        services.AddSingleton<JobProgressNotifier>();
        services.AddSingleton<ImportService>();
        services.AddHostedService<ImportRunner>();
        // Jobs, schedules and the heartbeat watchdog; Identity Repository pages; management API (issue [4/7]).
        services.AddOptions<AdminPortal.Web.Features.Jobs.JobOptions>().BindConfiguration(AdminPortal.Web.Features.Jobs.JobOptions.Section);
        services.AddSingleton<AdminPortal.Web.Features.Jobs.JobScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<AdminPortal.Web.Features.Jobs.JobScheduler>());
        services.AddSingleton<AdminPortal.Web.Features.Jobs.RunWatchdog>();
        services.AddHostedService(sp => sp.GetRequiredService<AdminPortal.Web.Features.Jobs.RunWatchdog>());
        services.AddSingleton<AdminPortal.Web.Features.Jobs.JobService>();
        services.AddSingleton<AdminPortal.Web.Features.Repository.RepositoryService>();
        services.AddOpenApi();
        // Provisioning (issue 5/7): tasks, WSRETRY runner + instant provisioning, access requests, e-mail outbox.
        services.AddOptions<AdminPortal.Web.Features.Provisioning.ProvisioningOptions>().BindConfiguration(AdminPortal.Web.Features.Provisioning.ProvisioningOptions.Section);
        services.AddOptions<AdminPortal.Web.Features.Provisioning.EmailOptions>().BindConfiguration(AdminPortal.Web.Features.Provisioning.EmailOptions.Section);
        services.AddSingleton<AdminPortal.Web.Features.Provisioning.ProvisioningQueue>();
        services.AddSingleton<AdminPortal.Web.Features.Provisioning.ProvisioningConnectorFactory>();
        services.AddSingleton<AdminPortal.Web.Features.Provisioning.TaskPayloadProtector>();
        services.AddSingleton<AdminPortal.Web.Features.Provisioning.ProvisioningRequestBuilder>();
        services.AddSingleton<AdminPortal.Web.Features.Provisioning.EmailService>();
        services.AddSingleton<AdminPortal.Web.Features.Provisioning.ProvisioningTaskService>();
        services.AddSingleton<AdminPortal.Web.Features.Provisioning.AccessRequestService>();
        services.AddHostedService<AdminPortal.Web.Features.Provisioning.ProvisioningRunner>();
        services.AddHostedService<AdminPortal.Web.Features.Provisioning.EmailSender>();
        services.AddSingleton(new ResilienceSettings());
        // No cookies (sessions must not leak between connections) and no automatic redirects (a redirect
        // to a login page must fail the read, not be parsed as data).
        services.AddHttpClient(ImportService.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false })
            .AddHttpMessageHandler(sp => new ResilienceHandler(sp.GetRequiredService<ResilienceSettings>()));
        // Connections (Admin → Connections, /api/connections, /api/expressions): engine construction shared with imports.
        services.AddSingleton<ConnectorEngineFactory>();
        services.AddSingleton<ConnectionTester>();
        services.AddSingleton<ExpressionPlayground>();
        services.AddRadzenComponents();
        services.AddHealthChecks().AddDbContextCheck<AdminPortal.Data.AdminPortalDbContext>();
        return services;
    }

    /// <summary>Cookie sign-in for people, bearer API tokens for automation, one policy per page.</summary>
    public static IServiceCollection AddPortalSecurity(this IServiceCollection services, PortalOptions options)
    {
        services.AddAuthentication(SmartScheme)
            .AddPolicyScheme(SmartScheme, SmartScheme, o =>
            {
                // Bearer tokens count only on the management API: they can never open pages or sign in.
                o.ForwardDefaultSelector = ctx =>
                    ctx.Request.Path.StartsWithSegments("/api") &&
                    ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                        ? ApiTokenAuthenticationHandler.SchemeName
                        : CookieAuthenticationDefaults.AuthenticationScheme;
            })
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, o =>
            {
                o.LoginPath = "/account/login";
                o.AccessDeniedPath = "/account/denied";
                o.Cookie.Name = "AdminPortal.Auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                // APIs answer 401/403 instead of redirecting to an HTML page.
                o.Events.OnRedirectToLogin = ctx => ApiAwareRedirect(ctx, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = ctx => ApiAwareRedirect(ctx, StatusCodes.Status403Forbidden);
            })
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null);

        services.AddAuthorization(Policies.Register);
        services.AddCascadingAuthenticationState();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "AdminPortal.Antiforgery";
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(AccountEndpoints.SignInRateLimit, ctx => RateLimitPartition.GetFixedWindowLimiter(
                ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = options.SignInAttemptsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            o.OnRejected = (ctx, _) =>
            {
                ctx.HttpContext.Response.StatusCode = StatusCodes.Status302Found;
                ctx.HttpContext.Response.Headers.Location = "/account/login?error=throttled";
                return ValueTask.CompletedTask;
            };
        });
        return services;
    }

    private static Task ApiAwareRedirect(RedirectContext<CookieAuthenticationOptions> ctx, int apiStatus)
    {
        if (ctx.Request.Path.StartsWithSegments("/api"))
        {
            ctx.Response.StatusCode = apiStatus;
        }
        else
        {
            ctx.Response.Redirect(ctx.RedirectUri);
        }

        return Task.CompletedTask;
    }
}
