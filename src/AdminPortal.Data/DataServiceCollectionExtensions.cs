using AdminPortal.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Microsoft.Extensions.DependencyInjection;

public static class DataServiceCollectionExtensions
{
    /// <summary>Registers a DbContext factory (one context per operation, as Blazor circuits need).</summary>
    public static IServiceCollection AddAdminPortalData(this IServiceCollection services, Func<IServiceProvider, string> connectionString, Func<IServiceProvider, SqliteWaits>? waits = null)
    {
        services.AddDbContextFactory<AdminPortalDbContext>((sp, options) =>
        {
            SqliteAdapter.Configure(options, connectionString(sp), waits?.Invoke(sp));
            // Hand-written migrations have no model snapshot; the schema test guards model ⇔ migration equality.
            options.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
        });
        return services;
    }
}
