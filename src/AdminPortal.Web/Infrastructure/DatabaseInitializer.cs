using System.Security.Cryptography;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AdminPortal.Web.Infrastructure;

/// <summary>Applies migrations and creates the first administrator when the user table is empty.</summary>
public class DatabaseInitializer(
    IDbContextFactory<AdminPortalDbContext> dbFactory,
    IPasswordHasher<AppUser> hasher,
    IOptions<PortalOptions> options,
    IConfiguration configuration,
    TimeProvider clock,
    ILogger<DatabaseInitializer> logger)
{
    public const string AdminPasswordEnvironmentVariable = "ADMINPORTAL_ADMIN_PASSWORD";

    public async Task InitializeAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.MigrateAsync(ct);
        await EnsureAdministratorAsync(db, ct);
    }

    private async Task EnsureAdministratorAsync(AdminPortalDbContext db, CancellationToken ct)
    {
        if (await db.Users.AnyAsync(ct)) return;

        var configured = options.Value.BootstrapAdminPassword;
        if (string.IsNullOrEmpty(configured)) configured = configuration[AdminPasswordEnvironmentVariable];
        var generated = string.IsNullOrEmpty(configured);
        var password = generated ? GeneratePassword() : configured!;
        var now = clock.GetUtcNow().UtcDateTime;
        var admin = new AppUser
        {
            Username = options.Value.BootstrapAdminUser,
            FirstName = "Portal",
            LastName = "Administrator",
            CreatedUtc = now,
            UpdatedUtc = now,
            Roles = [new UserRole { Role = SavRoles.Admin }],
        };
        admin.PasswordHash = hasher.HashPassword(admin, password);
        db.Users.Add(admin);
        db.AuditEvents.Add(new AuditEvent { Utc = now, Actor = "system", Action = "user.bootstrap", TargetKind = "user", TargetName = admin.Username });
        await db.SaveChangesAsync(ct);

        logger.LogWarning("Created the first administrator '{User}'", admin.Username);
        if (generated)
        {
            // Printed once, to the console only (not through the logger, so it never reaches log files).
            Console.WriteLine();
            Console.WriteLine("==================================================================");
            Console.WriteLine($" AdminPortal first start: administrator '{admin.Username}' created.");
            Console.WriteLine($" Password (shown once): {password}");
            Console.WriteLine("==================================================================");
            Console.WriteLine();
        }
    }

    private static string GeneratePassword()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        return new string(Enumerable.Range(0, 20).Select(_ => alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)]).ToArray());
    }
}
