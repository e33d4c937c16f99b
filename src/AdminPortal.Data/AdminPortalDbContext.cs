using AdminPortal.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Endpoint = AdminPortal.Core.Domain.Endpoint;

namespace AdminPortal.Data;

/// <summary>
/// The portal's database. Provider-neutral: no SQLite-only SQL outside <see cref="SqliteAdapter"/>.
/// </summary>
/// <remarks>
/// dotnet-ef cannot restore here (STACK.md), so migrations are written by hand in Migrations/:
/// add a class deriving from Migration with [DbContext] and [Migration("yyyyMMddHHmmss_Name")],
/// declare columns without store types, then run the schema test (it compares Migrate() with
/// EnsureCreated() and rewrites database/schema.sql).
/// </remarks>
public class AdminPortalDbContext(DbContextOptions<AdminPortalDbContext> options) : DbContext(options)
{
    public DbSet<AppUser> Users => Set<AppUser>();
    public DbSet<UserRole> UserRoles => Set<UserRole>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<Connection> Connections => Set<Connection>();
    public DbSet<ConnectionAttribute> ConnectionAttributes => Set<ConnectionAttribute>();
    public DbSet<ConnectionAttributeVersion> ConnectionAttributeVersions => Set<ConnectionAttributeVersion>();
    public DbSet<EmailTemplate> EmailTemplates => Set<EmailTemplate>();
    public DbSet<SecuritySystem> SecuritySystems => Set<SecuritySystem>();
    public DbSet<Endpoint> Endpoints => Set<Endpoint>();
    public DbSet<EntitlementType> EntitlementTypes => Set<EntitlementType>();
    public DbSet<EntitlementValue> EntitlementValues => Set<EntitlementValue>();
    public DbSet<Account> Accounts => Set<Account>();
    public DbSet<AccountEntitlement> AccountEntitlements => Set<AccountEntitlement>();
    public DbSet<AccountCount> AccountCounts => Set<AccountCount>();
    public DbSet<Job> Jobs => Set<Job>();
    public DbSet<JobRun> JobRuns => Set<JobRun>();
    public DbSet<HttpExchange> HttpExchanges => Set<HttpExchange>();
    public DbSet<GlobalSetting> GlobalSettings => Set<GlobalSetting>();
    public DbSet<ProvisioningTask> ProvisioningTasks => Set<ProvisioningTask>();
    public DbSet<AccessRequest> AccessRequests => Set<AccessRequest>();
    public DbSet<AccessRequestItem> AccessRequestItems => Set<AccessRequestItem>();
    public DbSet<EmailOutboxMessage> EmailOutbox => Set<EmailOutboxMessage>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<TransportImport> TransportImports => Set<TransportImport>();
    public DbSet<TransportObjectVersion> TransportObjectVersions => Set<TransportObjectVersion>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(AdminPortalDbContext).Assembly);
}
