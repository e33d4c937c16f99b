using AdminPortal.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.Web.Tests.Infrastructure;

/// <summary>The real portal on TestServer with its own SQLite file in a temporary folder.</summary>
public sealed class PortalFactory : WebApplicationFactory<Program>
{
    public const string AdminPassword = "Admin-Passw0rd!";

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("adminportal-test-").FullName;

    /// <summary>Extra host configuration (e.g. a capturing logger provider), applied after the defaults.</summary>
    public Action<IWebHostBuilder>? Configure { get; init; }

    /// <summary>Leave the data directory behind on dispose (a test hands it to a portal child process).</summary>
    public bool KeepDataDirectory { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("AdminPortal:DataDirectory", DataDirectory);
        builder.UseSetting("AdminPortal:BootstrapAdminPassword", AdminPassword);
        builder.UseSetting("AdminPortal:SignInAttemptsPerMinute", "1000");
        Configure?.Invoke(builder);
    }

    public AdminPortalDbContext CreateDbContext() =>
        Services.GetRequiredService<IDbContextFactory<AdminPortalDbContext>>().CreateDbContext();

    public HttpClient CreateNonRedirectingClient() =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (KeepDataDirectory) return;
        try
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
