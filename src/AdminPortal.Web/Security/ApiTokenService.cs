using System.Security.Cryptography;
using System.Text;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Web.Features.Audit;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Web.Security;

public sealed record CreatedApiToken(int Id, string Token, DateTime? ExpiresUtc);

/// <summary>Management API bearer tokens: shown once, stored as SHA-256, every use audited.</summary>
public class ApiTokenService(IDbContextFactory<AdminPortalDbContext> dbFactory, AuditService audit, TimeProvider clock)
{
    private const string TokenPrefix = "apt_";

    public async Task<CreatedApiToken> CreateAsync(string username, string name, int? days, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = await db.Users.Include(u => u.Roles).SingleOrDefaultAsync(u => u.Username == username, ct)
                   ?? throw new InvalidOperationException($"No user named '{username}'.");
        if (!user.HasRole(SavRoles.Admin))
        {
            throw new InvalidOperationException($"User '{username}' is not an administrator; API tokens are for administrators.");
        }

        var token = TokenPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = clock.GetUtcNow().UtcDateTime;
        var entity = new ApiToken
        {
            UserId = user.Id,
            Name = string.IsNullOrWhiteSpace(name) ? "token" : name.Trim(),
            TokenHash = Hash(token),
            Prefix = token[..10],
            CreatedUtc = now,
            ExpiresUtc = days is > 0 ? now.AddDays(days.Value) : null,
        };
        db.ApiTokens.Add(entity);
        db.AuditEvents.Add(audit.Create(actor, "apitoken.create", "user", username, $"token={entity.Prefix}… name={entity.Name}"));
        await db.SaveChangesAsync(ct);
        return new CreatedApiToken(entity.Id, token, entity.ExpiresUtc);
    }

    public async Task RevokeAsync(int id, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.Include(t => t.User).SingleAsync(t => t.Id == id, ct);
        token.RevokedUtc = clock.GetUtcNow().UtcDateTime;
        db.AuditEvents.Add(audit.Create(actor, "apitoken.revoke", "user", token.User!.Username, $"token={token.Prefix}…"));
        await db.SaveChangesAsync(ct);
    }

    public async Task<List<ApiToken>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ApiTokens.AsNoTracking().Include(t => t.User).OrderByDescending(t => t.Id).ToListAsync(ct);
    }

    /// <summary>Finds the active administrator behind a presented token, stamping its use.</summary>
    public async Task<AppUser?> ValidateAsync(string presented, string usage, CancellationToken ct = default)
    {
        if (!presented.StartsWith(TokenPrefix, StringComparison.Ordinal)) return null;
        var hash = Hash(presented);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.Include(t => t.User).ThenInclude(u => u!.Roles).SingleOrDefaultAsync(t => t.TokenHash == hash, ct);
        if (token is null || !token.IsUsable(now) || token.User is not { Status: UserStatus.Active } user || !user.HasRole(SavRoles.Admin))
        {
            return null;
        }

        token.LastUsedUtc = now;
        db.AuditEvents.Add(audit.Create(user.Username, "apitoken.use", "apitoken", token.Prefix, usage));
        await db.SaveChangesAsync(ct);
        return user;
    }

    public static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
