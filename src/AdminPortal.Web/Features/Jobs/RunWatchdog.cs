using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Web.Features.Imports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AdminPortal.Web.Features.Jobs;

/// <summary>
/// Marks runs failed whose heartbeat stopped while the portal kept running (a hung target, a stuck worker).
/// Runs orphaned by a restart are handled by <see cref="ImportRunner"/> on start. The decision is
/// <see cref="StaleRunPolicy"/>; a stale run still tracked in this process is also cancelled.
/// </summary>
public sealed class RunWatchdog(IDbContextFactory<AdminPortalDbContext> dbFactory, ImportQueue queue, IOptions<JobOptions> options, TimeProvider clock, ILogger<RunWatchdog> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var background = SqliteAdapter.BackgroundWork(); // waits out an import's apply (ADR-018)
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.Value.WatchdogIntervalSeconds)), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Run watchdog sweep failed");
            }
        }
    }

    /// <summary>Answers the ids of the runs it marked failed.</summary>
    public async Task<List<long>> SweepAsync(CancellationToken ct = default)
    {
        var timeout = TimeSpan.FromSeconds(options.Value.HeartbeatTimeoutSeconds);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var running = await db.JobRuns.AsNoTracking().Where(r => r.Status == JobRunStatus.Running).ToListAsync(ct);
        var failed = new List<long>();
        foreach (var run in running.Where(r => StaleRunPolicy.IsStale(r, now, timeout)))
        {
            var beat = run.HeartbeatUtc;
            // Only if nothing moved since it was read: a heartbeat that arrived meanwhile keeps the run alive.
            var changed = await db.JobRuns.Where(r => r.Id == run.Id && r.Status == JobRunStatus.Running && r.HeartbeatUtc == beat)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, JobRunStatus.Failed)
                    .SetProperty(r => r.FinishedUtc, now)
                    .SetProperty(r => r.Phase, nameof(JobRunStatus.Failed))
                    .SetProperty(r => r.Error, StaleRunPolicy.Reason(run, timeout)), ct);
            if (changed == 0) continue;
            queue.Cancel(run.Id);
            logger.LogWarning("Run {RunId} had no heartbeat since {Beat}; marked failed", run.Id, StaleRunPolicy.LastSignOfLife(run));
            failed.Add(run.Id);
        }

        return failed;
    }
}
