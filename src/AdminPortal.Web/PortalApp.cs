using AdminPortal.Web.Components;
using AdminPortal.Web.Features.Demo;
using Microsoft.Extensions.Options;
using AdminPortal.Web.Features.Api;
using AdminPortal.Web.Features.Repository;
using AdminPortal.Web.Features.Transport;
using AdminPortal.Web.Infrastructure;
using AdminPortal.Web.Security;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace AdminPortal.Web;

/// <summary>
/// Builds the portal. Program.cs runs it; browser tests call it directly to host the real app on
/// Kestrel at a loopback port (WebApplicationFactory on net9 only offers TestServer).
/// </summary>
public static class PortalApp
{
    /// <summary>Returns null when the arguments named a maintenance command that has already run.</summary>
    public static async Task<WebApplication?> CreateAsync(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // "--demo" on the run command is the switch AdminPortal:Demo:Enabled (README, docs/demo.md).
        args = [.. args.Select(a => a == "--demo" ? $"--{DemoOptions.Section}:Enabled=true" : a)];
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            // No watching of the default appsettings files for changes (the portal's own appsettings.json is read once,
            // see below): the watcher that reloading needs covers the whole content root, subfolders included (62
            // inotify watches under src/AdminPortal.Web with the README command; the whole working folder for a host
            // started elsewhere — a profile run from /tmp spent 4.6 s of CPU filtering the events of the SQLite files
            // written there). Listed first, so a command-line value still wins.
            Args = ["--hostBuilder:reloadConfigOnChange=false", .. args],
            ApplicationName = typeof(PortalApp).Assembly.GetName().Name,
        });

        // The repository root holds the appsettings.json the portal runs with and the wwwroot-assets/
        // it serves (issue [1/7] layout). It is inserted first so environment variables and the
        // command line still override it.
        var root = RepositoryLayout.FindRoot(builder.Environment.ContentRootPath, AppContext.BaseDirectory);
        builder.Configuration.Sources.Insert(0, new JsonConfigurationSource
        {
            Path = "appsettings.json",
            Optional = false,
            ReloadOnChange = false,
            FileProvider = new PhysicalFileProvider(root),
        });
        builder.Environment.WebRootPath = Path.Combine(root, "wwwroot-assets");
        builder.Environment.WebRootFileProvider = new PhysicalFileProvider(builder.Environment.WebRootPath);
        // Package assets (_content/Radzen.Blazor, _content/BlazorMonaco) in every environment, not only Development.
        builder.WebHost.UseStaticWebAssets();

        var demo = builder.Configuration.GetSection(DemoOptions.Section).Get<DemoOptions>() ?? new DemoOptions();
        if (demo.Enabled)
        {
            // The demo keeps its own database file and gives the administrator the demo password.
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                [$"{PortalOptions.Section}:DatabaseFileName"] = demo.DatabaseFileName,
                [$"{PortalOptions.Section}:BootstrapAdminPassword"] = demo.Password,
            });
        }

        var portalOptions = builder.Configuration.GetSection(PortalOptions.Section).Get<PortalOptions>() ?? new PortalOptions();
        builder.Services.AddPortalServices(root);
        builder.Services.AddPortalSecurity(portalOptions);
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        configure?.Invoke(builder);

        var app = builder.Build();
        if (await CommandLine.TryRunAsync(app, args))
        {
            return null;
        }

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<DatabaseInitializer>().InitializeAsync();
        }

        if (app.Services.GetRequiredService<IOptions<DemoOptions>>().Value.Enabled)
        {
            try
            {
                var packages = await app.Services.GetRequiredService<DemoMode>().StartAsync();
                Console.WriteLine($"AdminPortal DEMO: {packages.Count} simulated applications ready; demo people and their password are shown on the sign-in page.");
            }
            catch (DemoRefusedException e)
            {
                Console.Error.WriteLine(e.Message);
                Environment.ExitCode = 2;
                await app.DisposeAsync();
                return null;
            }
        }

        app.UseSecurityHeaders();
        if (!app.Environment.IsDevelopment() && !app.Environment.IsEnvironment("Testing"))
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
            app.UseHsts();
        }

        // Only when an https:// address is configured: `dotnet run` on http://localhost:5080 stays plain HTTP.
        if (SecurityHeaders.HttpsConfigured(app.Configuration))
        {
            app.UseHttpsRedirection();
        }

        app.UseStaticFiles();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapHealthChecks("/health").AllowAnonymous();
        app.MapAccountEndpoints();
        app.MapTransportEndpoints();
        AdminPortal.Web.Features.Connections.ConnectionEndpoints.MapConnectionEndpoints(app);
        app.MapRepositoryEndpoints();
        app.MapManagementApi();
        AdminPortal.Web.Features.Provisioning.ProvisioningEndpoints.MapProvisioningEndpoints(app);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
