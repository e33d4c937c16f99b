using System.Collections.Concurrent;
using System.Threading.Channels;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Web.Features.Imports;

/// <summary>Run ids waiting to execute, and the cancellation handle of each running one.</summary>
public sealed class ImportQueue
{
    private readonly Channel<long> channel = Channel.CreateUnbounded<long>();
    private readonly ConcurrentDictionary<long, CancellationTokenSource> running = new();
    private readonly ConcurrentDictionary<long, byte> enqueuedHere = new();

    public void Enqueue(long runId)
    {
        enqueuedHere[runId] = 0;
        channel.Writer.TryWrite(runId);
    }

    /// <summary>Runs this process queued and has not finished: not orphans, even when queued before the runner started
    /// (demo mode queues its first imports during start-up).</summary>
    public IReadOnlyCollection<long> EnqueuedHere => [.. enqueuedHere.Keys];

    public ChannelReader<long> Reader => channel.Reader;

    public CancellationTokenSource Track(long runId, CancellationToken stopping)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        running[runId] = cts;
        return cts;
    }

    public void Untrack(long runId)
    {
        enqueuedHere.TryRemove(runId, out _);
        if (running.TryRemove(runId, out var cts)) cts.Dispose();
    }

    /// <summary>Cancels a running run; a queued one is cancelled when the runner reaches it.</summary>
    public bool Cancel(long runId)
    {
        if (!running.TryGetValue(runId, out var cts)) return false;
        cts.Cancel();
        return true;
    }
}

/// <summary>
/// Executes queued import runs one at a time, so two imports never overlap (SQLite has one writer and
/// two runs on one connection would fight over its tokens). On start, runs left Running or Queued by a
/// previous process are marked failed: their heartbeat stopped.
/// </summary>
public sealed class ImportRunner(ImportQueue queue, IServiceScopeFactory scopes, IDbContextFactory<AdminPortalDbContext> dbFactory, TimeProvider clock, ILogger<ImportRunner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var background = SqliteAdapter.BackgroundWork(); // waits out another writer instead of failing the run (ADR-018)
        await FailOrphanedRunsAsync(stoppingToken);
        await foreach (var runId in queue.Reader.ReadAllAsync(stoppingToken))
        {
            using var cts = queue.Track(runId, stoppingToken);
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<ImportService>().ExecuteAsync(runId, cts.Token);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "Import run {RunId} crashed", runId);
            }
            finally
            {
                queue.Untrack(runId);
            }
        }
    }

    private async Task FailOrphanedRunsAsync(CancellationToken ct)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var now = clock.GetUtcNow().UtcDateTime;
            var ours = queue.EnqueuedHere;
            await db.JobRuns.Where(r => r.Kind == JobKind.ApplicationDataImport && (r.Status == JobRunStatus.Running || r.Status == JobRunStatus.Queued) && !ours.Contains(r.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, JobRunStatus.Failed)
                    .SetProperty(r => r.FinishedUtc, now)
                    .SetProperty(r => r.Error, "The portal stopped while this run was queued or running (no heartbeat); nothing was applied."), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not mark orphaned import runs");
        }
    }
}
