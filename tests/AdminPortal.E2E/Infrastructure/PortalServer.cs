using AdminPortal.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;

namespace AdminPortal.E2E.Infrastructure;

/// <summary>The real portal on Kestrel at a loopback port, with its own SQLite file in a temp folder.</summary>
public sealed class PortalServer : IAsyncDisposable
{
    public const string AdminPassword = "Admin-Passw0rd!";

    private readonly WebApplication app;

    private PortalServer(WebApplication app, string dataDirectory, string baseUrl)
    {
        this.app = app;
        DataDirectory = dataDirectory;
        BaseUrl = baseUrl;
    }

    public string DataDirectory { get; }
    public string BaseUrl { get; }
    public IServiceProvider Services => app.Services;

    public static async Task<PortalServer> StartAsync(params string[] extraArgs)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("adminportal-e2e-").FullName;
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            "--environment=Testing",
            $"--AdminPortal:DataDirectory={dataDirectory}",
            $"--AdminPortal:BootstrapAdminPassword={AdminPassword}",
            "--AdminPortal:SignInAttemptsPerMinute=1000",
            "--Logging:LogLevel:Default=Warning",
            .. extraArgs,
        ];
        var app = await PortalApp.CreateAsync(args) ?? throw new InvalidOperationException("The portal ran a command instead of starting.");
        await app.StartAsync();
        return new PortalServer(app, dataDirectory, app.Urls.First().TrimEnd('/'));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean up.
        }
    }
}
