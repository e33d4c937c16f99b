using System.Security.Cryptography;
using System.Text;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Web.Features.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace AdminPortal.Web.Security;

public sealed record CreatedApiToken(int Id, string Token, DateTime? ExpiresUtc);

/// <summary>
/// Management API bearer tokens: shown once, stored as SHA-256. Use is stamped (LastUsedUtc) and audited at most once a
/// minute per token, off the request path: a read through the API must not wait for, or fail on, SQLite's single writer
/// while an import holds it (docs/reliability.md → Load).
/// </summary>
public class ApiTokenService(IDbContextFactory<AdminPortalDbContext> dbFactory, AuditService audit, TimeProvider clock, ILogger<ApiTokenService> logger)
{
    private const string TokenPrefix = "apt_";
    public static readonly TimeSpan UseStampInterval = TimeSpan.FromMinutes(1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, DateTime> lastStamped = new();

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
        var token = await db.ApiTokens.AsNoTracking().Include(t => t.User).ThenInclude(u => u!.Roles).SingleOrDefaultAsync(t => t.TokenHash == hash, ct);
        if (token is null || !token.IsUsable(now) || token.User is not { Status: UserStatus.Active } user || !user.HasRole(SavRoles.Admin))
        {
            return null;
        }

        if (!lastStamped.TryGetValue(token.Id, out var last) || now - last >= UseStampInterval || now < last)
        {
            lastStamped[token.Id] = now;
            // On a pool thread: Microsoft.Data.Sqlite's async calls run synchronously, so a stamp started inline would hold the
            // request for the whole busy wait while an import's apply has the writer (the 30+ s API outliers of the first load runs).
            var (id, username, prefix) = (token.Id, user.Username, token.Prefix);
            _ = Task.Run(() => StampUseAsync(id, username, prefix, usage, now), CancellationToken.None);
        }

        return user;
    }

    private async Task StampUseAsync(int tokenId, string username, string prefix, string usage, DateTime now)
    {
        using var background = SqliteAdapter.BackgroundWork(); // off the request path: may wait out an import's apply (ADR-018)
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            await db.ApiTokens.Where(t => t.Id == tokenId).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedUtc, now));
            db.AuditEvents.Add(audit.Create(username, "apitoken.use", "apitoken", prefix, usage));
            await db.SaveChangesAsync();
        }
        catch (Exception e)
        {
            // Best effort: the request it stamps has been served; the next use after the interval stamps again.
            lastStamped.TryRemove(tokenId, out _);
            logger.LogWarning(e, "Could not record the use of API token {Prefix}", prefix);
        }
    }

    public static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
