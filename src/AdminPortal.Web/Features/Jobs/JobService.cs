using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Web.Features.Audit;
using AdminPortal.Web.Features.Imports;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Web.Features.Jobs;

public sealed record JobEdit(string Name, string Endpoint, string Mode, string? CronExpression, bool Enabled);

public sealed record JobRow(int Id, string Name, JobKind Kind, string? Endpoint, string Mode, string? CronExpression, bool Enabled, DateTimeOffset? NextFireUtc,
    long? LastRunId, JobRunStatus? LastRunStatus, DateTime? LastRunUtc);

public sealed record RunRow(long Id, int? JobId, string? Endpoint, string Mode, bool IsPreview, JobRunStatus Status, string Trigger, string? RequestedBy,
    DateTime QueuedUtc, DateTime? StartedUtc, DateTime? FinishedUtc, string? Phase, long Read, long Added, long Changed, long Unchanged, long Suspended,
    long Inactivated, long Failed, string? Error)
{
    public TimeSpan? Duration => StartedUtc is { } s ? (FinishedUtc ?? DateTime.UtcNow) - s : null;
}

public sealed record ExchangeRow(long Id, int Sequence, DateTime StartedUtc, int DurationMs, string Method, string Url, int? StatusCode, string? Error);

/// <summary>Import job definitions, their runs and the exchanges recorded by each run (the Jobs pages and the API).</summary>
public class JobService(
    IDbContextFactory<AdminPortalDbContext> dbFactory,
    ImportService imports,
    ImportQueue queue,
    JobScheduler scheduler,
    AuditService audit,
    TimeProvider clock)
{
    public static readonly IReadOnlyList<string> Modes = ["full", "incremental"];

    public async Task<List<JobRow>> ListJobsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var jobs = await db.Jobs.AsNoTracking().Where(j => j.Kind == JobKind.ApplicationDataImport)
            .Select(j => new
            {
                j.Id, j.Name, j.Kind, Endpoint = j.Endpoint!.Name, j.Mode, j.CronExpression, j.Enabled,
                Last = db.JobRuns.Where(r => r.EndpointId == j.EndpointId && r.Kind == JobKind.ApplicationDataImport).OrderByDescending(r => r.Id)
                    .Select(r => new { r.Id, r.Status, r.QueuedUtc }).FirstOrDefault(),
            })
            .OrderBy(j => j.Name).ToListAsync(ct);
        var rows = new List<JobRow>();
        foreach (var j in jobs)
        {
            rows.Add(new JobRow(j.Id, j.Name, j.Kind, j.Endpoint, j.Mode, j.CronExpression, j.Enabled, await scheduler.NextFireAsync(j.Id),
                j.Last?.Id, j.Last?.Status, j.Last?.QueuedUtc));
        }

        return rows;
    }

    public async Task<Job?> GetJobAsync(int id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Jobs.AsNoTracking().Include(j => j.Endpoint).SingleOrDefaultAsync(j => j.Id == id, ct);
    }

    public async Task<List<string>> EndpointNamesAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Endpoints.AsNoTracking().OrderBy(e => e.Name).Select(e => e.Name).ToListAsync(ct);
    }

    /// <summary>Validates and saves an import job; answers field → message, empty when saved. The scheduler reloads its triggers.</summary>
    public async Task<Dictionary<string, string>> SaveJobAsync(int? id, JobEdit edit, string actor, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string>();
        SecuritySystems.SecuritySystemService.CheckName(errors, "Name", edit.Name);
        if (!Modes.Contains(edit.Mode)) errors["Mode"] = $"Mode '{edit.Mode}' is not full or incremental.";
        var cron = string.IsNullOrWhiteSpace(edit.CronExpression) ? null : edit.CronExpression.Trim();
        if (cron is not null && !Quartz.CronExpression.IsValidExpression(cron))
            errors["CronExpression"] = $"'{cron}' is not a valid Quartz cron expression (seconds minutes hours day-of-month month day-of-week [year], e.g. 0 0 2 * * ?).";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var endpoint = await db.Endpoints.SingleOrDefaultAsync(e => e.Name == edit.Endpoint, ct);
        if (endpoint is null) errors["Endpoint"] = string.IsNullOrWhiteSpace(edit.Endpoint) ? "Endpoint is required." : $"No endpoint named '{edit.Endpoint}'.";
        var name = edit.Name?.Trim() ?? "";
        if (!errors.ContainsKey("Name") && await db.Jobs.AnyAsync(j => j.Name == name && j.Id != (id ?? 0), ct))
            errors["Name"] = $"A job named '{name}' already exists.";
        if (endpoint is not null && await db.Jobs.AnyAsync(j => j.EndpointId == endpoint.Id && j.Kind == JobKind.ApplicationDataImport && j.Id != (id ?? 0), ct))
            errors["Endpoint"] = $"Endpoint '{endpoint.Name}' already has an import job; edit that one.";
        if (errors.Count > 0) return errors;

        var job = id is null
            ? new Job { Name = name, Kind = JobKind.ApplicationDataImport, CreatedUtc = clock.GetUtcNow().UtcDateTime }
            : await db.Jobs.SingleOrDefaultAsync(j => j.Id == id, ct) ?? throw new KeyNotFoundException($"No job {id}.");
        if (id is null) db.Jobs.Add(job);
        job.Name = name;
        job.EndpointId = endpoint!.Id;
        job.Mode = edit.Mode;
        job.CronExpression = cron;
        job.Enabled = edit.Enabled;
        db.AuditEvents.Add(audit.Create(actor, id is null ? "job.create" : "job.update", "job", name,
            $"endpoint={endpoint.Name} mode={edit.Mode} cron={cron} enabled={edit.Enabled}"));
        await db.SaveChangesAsync(ct);
        await scheduler.ReloadAsync(ct);
        return errors;
    }

    public async Task DeleteJobAsync(int id, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.SingleOrDefaultAsync(j => j.Id == id, ct);
        if (job is null) return;
        db.Jobs.Remove(job);
        db.AuditEvents.Add(audit.Create(actor, "job.delete", "job", job.Name));
        await db.SaveChangesAsync(ct);
        await scheduler.ReloadAsync(ct);
    }

    public Task<long> RunNowAsync(string endpoint, string mode, bool preview, string actor, string trigger = "manual", CancellationToken ct = default) =>
        imports.QueueAsync(new ImportRequest(endpoint, mode, preview, trigger, actor), ct);

    public Task<long> ApproveAsync(long runId, string actor, CancellationToken ct = default) => imports.ApproveAsync(runId, actor, ct);

    /// <summary>Cancels a running run (its worker stops and records it) or a queued one (it never starts). Answers an error or null.</summary>
    public async Task<string?> CancelAsync(long runId, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.JobRuns.SingleOrDefaultAsync(r => r.Id == runId, ct);
        if (run is null) return $"No run {runId}.";
        if (run.Status is not (JobRunStatus.Queued or JobRunStatus.Running)) return $"Run {runId} is {run.Status}; only a queued or running run can be cancelled.";
        db.AuditEvents.Add(audit.Create(actor, "import.cancel", "run", runId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (queue.Cancel(runId))
        {
            await db.SaveChangesAsync(ct);
            return null;
        }

        // Not running in this process: a queued run is cancelled in place (the runner skips runs no longer Queued).
        var changed = await db.JobRuns.Where(r => r.Id == runId && r.Status == JobRunStatus.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, JobRunStatus.Cancelled)
                .SetProperty(r => r.FinishedUtc, clock.GetUtcNow().UtcDateTime)
                .SetProperty(r => r.Phase, nameof(JobRunStatus.Cancelled))
                .SetProperty(r => r.Error, $"Cancelled by {actor} before it started; nothing was changed."), ct);
        if (changed == 0 && !queue.Cancel(runId)) return $"Run {runId} is no longer queued and not running in this portal.";
        await db.SaveChangesAsync(ct);
        return null;
    }

    public async Task<List<RunRow>> RecentRunsAsync(int take = 50, string? endpoint = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var runs = db.JobRuns.AsNoTracking().Where(r => r.Kind == JobKind.ApplicationDataImport);
        if (endpoint is not null) runs = runs.Where(r => db.Endpoints.Any(e => e.Id == r.EndpointId && e.Name == endpoint));
        return await Rows(db, runs.OrderByDescending(r => r.Id).Take(take)).ToListAsync(ct);
    }

    public async Task<RunRow?> GetRunAsync(long runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await Rows(db, db.JobRuns.AsNoTracking().Where(r => r.Id == runId)).SingleOrDefaultAsync(ct);
    }

    /// <summary>The run with its log and plan (the run detail page).</summary>
    public async Task<JobRun?> GetRunWithLogAsync(long runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.JobRuns.AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId, ct);
    }

    /// <summary>How long the last finished full run of the endpoint took: the basis of an ETA.</summary>
    public async Task<TimeSpan?> TypicalDurationAsync(string endpoint, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var endpointId = await db.Endpoints.Where(e => e.Name == endpoint).Select(e => (int?)e.Id).FirstOrDefaultAsync(ct);
        var last = await db.JobRuns.AsNoTracking()
            .Where(r => r.EndpointId == endpointId && r.StartedUtc != null && r.FinishedUtc != null &&
                        (r.Status == JobRunStatus.Succeeded || r.Status == JobRunStatus.PreviewReady || r.Status == JobRunStatus.ThresholdReached))
            .OrderByDescending(r => r.Id).Select(r => new { r.StartedUtc, r.FinishedUtc }).FirstOrDefaultAsync(ct);
        return last is null ? null : last.FinishedUtc!.Value - last.StartedUtc!.Value;
    }

    /// <summary>One page of a run's recorded exchanges (no bodies), searched in method, URL, status and error.</summary>
    public async Task<(List<ExchangeRow> Rows, int Count)> ExchangesAsync(long runId, string? search, int skip, int take, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.HttpExchanges.AsNoTracking().Where(x => x.JobRunId == runId);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var s = search.Trim();
            query = int.TryParse(s, out var status)
                ? query.Where(x => x.StatusCode == status || x.Url.Contains(s))
                : query.Where(x => x.Url.Contains(s) || x.Method == s.ToUpper() || (x.Error != null && x.Error.Contains(s)));
        }

        var count = await query.CountAsync(ct);
        var rows = await query.OrderBy(x => x.Sequence).Skip(skip).Take(Math.Clamp(take, 1, 500))
            .Select(x => new ExchangeRow(x.Id, x.Sequence, x.StartedUtc, x.DurationMs, x.Method, x.Url, x.StatusCode, x.Error)).ToListAsync(ct);
        return (rows, count);
    }

    public async Task<HttpExchange?> GetExchangeAsync(long runId, long exchangeId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.HttpExchanges.AsNoTracking().SingleOrDefaultAsync(x => x.Id == exchangeId && x.JobRunId == runId, ct);
    }

    private static IQueryable<RunRow> Rows(AdminPortalDbContext db, IQueryable<JobRun> runs) =>
        runs.Select(r => new RunRow(r.Id, r.JobId, db.Endpoints.Where(e => e.Id == r.EndpointId).Select(e => e.Name).FirstOrDefault(), r.Mode, r.IsPreview,
            r.Status, r.Trigger, r.RequestedBy, r.QueuedUtc, r.StartedUtc, r.FinishedUtc, r.Phase, r.Read, r.Added, r.Changed, r.Unchanged, r.Suspended,
            r.Inactivated, r.Failed, r.Error));
}
