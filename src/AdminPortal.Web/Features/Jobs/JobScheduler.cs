using System.Collections.Specialized;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Web.Features.Imports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Quartz;
using Quartz.Impl;
using Quartz.Spi;

namespace AdminPortal.Web.Features.Jobs;

/// <summary>
/// Hosts an in-memory Quartz 3 scheduler (Quartz.Extensions.Hosting is not available here, ADR-012): one cron
/// trigger per enabled import job with a cron expression, rebuilt from the Jobs table on start and whenever a
/// job is saved or deleted. A fire only queues a run through <see cref="ImportService.QueueAsync"/>; the
/// <see cref="ImportRunner"/> executes it, so scheduled and manual runs share one queue and never overlap.
/// Cron expressions are evaluated in UTC.
/// </summary>
public sealed class JobScheduler(IServiceProvider services, IDbContextFactory<AdminPortalDbContext> dbFactory, IOptions<JobOptions> options, ILogger<JobScheduler> logger) : IHostedService
{
    public const string Group = "imports";

    private readonly SemaphoreSlim gate = new(1, 1);
    private IScheduler? scheduler;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.SchedulerEnabled)
        {
            logger.LogInformation("Job scheduler disabled (AdminPortal:Jobs:SchedulerEnabled=false)");
            return;
        }

        var factory = new StdSchedulerFactory(new NameValueCollection
        {
            ["quartz.scheduler.instanceName"] = "AdminPortal-" + Guid.NewGuid().ToString("N"),
            ["quartz.threadPool.maxConcurrency"] = "2",
            ["quartz.jobStore.type"] = "Quartz.Simpl.RAMJobStore, Quartz",
        });
        scheduler = await factory.GetScheduler(cancellationToken);
        scheduler.JobFactory = new ServiceJobFactory(services);
        await scheduler.Start(cancellationToken);
        await ReloadAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (scheduler is { } s) await s.Shutdown(waitForJobsToComplete: false, cancellationToken);
    }

    /// <summary>Replaces every trigger with those of the enabled jobs that have a cron expression.</summary>
    public async Task ReloadAsync(CancellationToken ct = default)
    {
        if (scheduler is not { } s) return;
        await gate.WaitAsync(ct);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var jobs = await db.Jobs.AsNoTracking()
                .Where(j => j.Kind == JobKind.ApplicationDataImport && j.Enabled && j.CronExpression != null && j.EndpointId != null)
                .ToListAsync(ct);
            await s.Clear(ct);
            foreach (var job in jobs)
            {
                if (!CronExpression.IsValidExpression(job.CronExpression!))
                {
                    logger.LogWarning("Job {Job}: cron '{Cron}' is not valid; not scheduled", job.Name, job.CronExpression);
                    continue;
                }

                var detail = JobBuilder.Create<ScheduledImportJob>().WithIdentity(Key(job.Id)).UsingJobData(ScheduledImportJob.JobIdKey, job.Id).Build();
                var trigger = TriggerBuilder.Create().WithIdentity($"job-{job.Id}", Group)
                    .WithCronSchedule(job.CronExpression!, c => c.InTimeZone(TimeZoneInfo.Utc).WithMisfireHandlingInstructionDoNothing())
                    .Build();
                await s.ScheduleJob(detail, trigger, ct);
            }

            logger.LogInformation("Job scheduler loaded {Count} scheduled job(s)", jobs.Count);
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<DateTimeOffset?> NextFireAsync(int jobId)
    {
        if (scheduler is not { } s) return null;
        var triggers = await s.GetTriggersOfJob(Key(jobId));
        return triggers.Select(t => t.GetNextFireTimeUtc()).Where(t => t is not null).Min();
    }

    private static JobKey Key(int jobId) => new($"job-{jobId}", Group);

    private sealed class ServiceJobFactory(IServiceProvider services) : IJobFactory
    {
        public IJob NewJob(TriggerFiredBundle bundle, IScheduler scheduler) =>
            (IJob)ActivatorUtilities.CreateInstance(services, bundle.JobDetail.JobType);

        public void ReturnJob(IJob job)
        {
        }
    }
}

/// <summary>A cron fire: queues an import of the job's endpoint (trigger "schedule").</summary>
[DisallowConcurrentExecution]
public sealed class ScheduledImportJob(IDbContextFactory<AdminPortalDbContext> dbFactory, ImportService imports, ILogger<ScheduledImportJob> logger) : IJob
{
    public const string JobIdKey = "jobId";

    public async Task Execute(IJobExecutionContext context)
    {
        var jobId = context.MergedJobDataMap.GetInt(JobIdKey);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(context.CancellationToken);
            var job = await db.Jobs.AsNoTracking().Include(j => j.Endpoint).SingleOrDefaultAsync(j => j.Id == jobId, context.CancellationToken);
            if (job is not { Enabled: true, Endpoint: not null }) return;
            // A run of this endpoint still waiting in the queue covers this fire too: do not pile runs up.
            if (await db.JobRuns.AnyAsync(r => r.EndpointId == job.EndpointId && r.Status == JobRunStatus.Queued, context.CancellationToken))
            {
                logger.LogInformation("Job {Job}: a run of {Endpoint} is still queued; this fire is skipped", job.Name, job.Endpoint.Name);
                return;
            }

            var runId = await imports.QueueAsync(new ImportRequest(job.Endpoint.Name, job.Mode, false, "schedule", "scheduler"), context.CancellationToken);
            logger.LogInformation("Job {Job} queued run {RunId}", job.Name, runId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Scheduled job {JobId} could not queue its run", jobId);
        }
    }
}
