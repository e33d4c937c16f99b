using AdminPortal.Core.Domain;
using AdminPortal.Data;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Web.Features.Audit;

/// <summary>Writes audit events. Callers pass details that are already free of secrets.</summary>
public class AuditService(IDbContextFactory<AdminPortalDbContext> dbFactory, TimeProvider clock)
{
    public async Task WriteAsync(string actor, string action, string? targetKind, string? targetName, string? details = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.AuditEvents.Add(Create(actor, action, targetKind, targetName, details));
        await db.SaveChangesAsync(ct);
    }

    /// <summary>For callers that add the event inside their own transaction.</summary>
    public AuditEvent Create(string actor, string action, string? targetKind, string? targetName, string? details = null) =>
        new()
        {
            Utc = clock.GetUtcNow().UtcDateTime,
            Actor = actor,
            Action = action,
            TargetKind = targetKind,
            TargetName = targetName,
            Details = details,
        };

    public async Task<List<AuditEvent>> RecentAsync(string? targetKind, string? targetName, int take, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.AuditEvents.AsNoTracking();
        if (targetKind is not null) query = query.Where(e => e.TargetKind == targetKind);
        if (targetName is not null) query = query.Where(e => e.TargetName == targetName);
        return await query.OrderByDescending(e => e.Id).Take(take).ToListAsync(ct);
    }
}
