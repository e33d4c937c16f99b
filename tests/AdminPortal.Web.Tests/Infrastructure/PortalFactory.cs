using AdminPortal.Core.Domain;
using AdminPortal.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Endpoint = AdminPortal.Core.Domain.Endpoint;

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

    private static int endpointCounter;

    /// <summary>
    /// A security system and endpoint of their own (<c>{prefix}-ep-N</c>, unique in the test run) holding the given
    /// accounts, written straight to the database: for repository tests that need exact rows, not an import.
    /// </summary>
    public async Task<Endpoint> AddEndpointWithAccountsAsync(string prefix, IEnumerable<Account> accounts)
    {
        await using var db = CreateDbContext();
        var now = DateTime.UtcNow;
        var n = Interlocked.Increment(ref endpointCounter);
        var endpoint = new Endpoint { Name = $"{prefix}-ep-{n}", SecuritySystem = new SecuritySystem { Name = $"{prefix}-sys-{n}", CreatedUtc = now, UpdatedUtc = now }, CreatedUtc = now, UpdatedUtc = now };
        db.Endpoints.Add(endpoint);
        await db.SaveChangesAsync();
        foreach (var account in accounts)
        {
            account.EndpointId = endpoint.Id;
            account.CreatedUtc = account.UpdatedUtc = now;
            db.Accounts.Add(account);
        }

        await db.SaveChangesAsync();
        return endpoint;
    }

    /// <summary>Every row of every table except the audit trail and the API tokens (their last-use stamp changes on every
    /// API call), so "nothing was written" can be compared exactly before and after a refused request.</summary>
    public async Task<string> DumpAsync()
    {
        await using var db = CreateDbContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "SELECT name FROM sqlite_master WHERE type='table' AND name NOT IN ('AuditEvents','ApiTokens','sqlite_sequence') ORDER BY name";
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync()) tables.Add(r.GetString(0));
        }

        var sb = new System.Text.StringBuilder();
        foreach (var table in tables)
        {
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = $"SELECT * FROM \"{table}\" ORDER BY 1";
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                sb.Append(table).Append(':');
                for (var i = 0; i < r.FieldCount; i++) sb.Append(r.IsDBNull(i) ? "∅" : r.GetValue(i).ToString()).Append('|');
                sb.Append('\n');
            }
        }

        return sb.ToString();
    }

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
