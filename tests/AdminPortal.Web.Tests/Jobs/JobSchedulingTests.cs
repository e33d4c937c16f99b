using AdminPortal.Core.Domain;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Jobs;
using AdminPortal.Web.Tests.Imports;
using AdminPortal.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.Web.Tests.Jobs;

/// <summary>Import jobs: cron validation, Quartz fires, one run at a time per connection, cancel, the heartbeat watchdog.</summary>
public class JobSchedulingTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private readonly ImportHarness harness = new(factory);
    private static int counter;

    private static string Suffix() => "-j" + Interlocked.Increment(ref counter);

    private JobService Jobs => factory.Services.GetRequiredService<JobService>();

    [Fact]
    public async Task SaveJob_InvalidCronUnknownEndpointAndMode_AnswersFieldErrorsAndSavesNothing()
    {
        var errors = await Jobs.SaveJobAsync(null, new JobEdit("bad job", "no-such-endpoint", "sometimes", "every day at two", true), "tests");

        Assert.Contains("not a valid Quartz cron expression", errors["CronExpression"]);
        Assert.Contains("No endpoint named 'no-such-endpoint'", errors["Endpoint"]);
        Assert.Contains("not full or incremental", errors["Mode"]);
        await using var db = factory.CreateDbContext();
        Assert.False(await db.Jobs.AnyAsync(j => j.Name == "bad job"));
    }

    [Fact]
    public async Task Schedule_CronEverySecond_QueuesAScheduledRunThroughTheImportQueue()
    {
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.Confluent, new SimulatorOptions { Seed = 21, Accounts = 15, EntitlementsPerType = 3 });
        var endpoint = await harness.SetUpAsync(sim, Suffix());
        var name = "every second " + endpoint;

        var errors = await Jobs.SaveJobAsync(null, new JobEdit(name, endpoint, "full", "* * * * * ?", true), "tests");

        Assert.Empty(errors);
        var job = (await Jobs.ListJobsAsync()).Single(j => j.Name == name);
        Assert.NotNull(job.NextFireUtc);
        JobRun? scheduled = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (scheduled is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            await using var db = factory.CreateDbContext();
            scheduled = await db.JobRuns.AsNoTracking().Where(r => r.Trigger == "schedule" && r.JobId == job.Id).OrderBy(r => r.Id).FirstOrDefaultAsync();
        }

        // Stop the schedule before asserting, so later tests do not share the queue with it.
        Assert.Empty(await Jobs.SaveJobAsync(job.Id, new JobEdit(name, endpoint, "full", "* * * * * ?", false), "tests"));
        Assert.NotNull(scheduled);
        Assert.Equal("scheduler", scheduled.RequestedBy);
        var finished = await harness.WaitAsync(scheduled.Id);
        Assert.True(finished.Status == JobRunStatus.Succeeded, finished.Error + finished.Log);
        Assert.True(finished.Read > 0);
        Assert.Equal((await harness.ReadAsync(endpoint)).Accounts.Count, finished.Read);
        Assert.Null((await Jobs.ListJobsAsync()).Single(j => j.Id == job.Id).NextFireUtc);
        await WaitForIdleAsync(endpoint);
    }

    [Fact]
    public async Task TwoRunsOnOneConnection_QueuedTogether_RunOneAfterTheOther()
    {
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions { Seed = 22, Accounts = 120, EntitlementsPerType = 4 });
        sim.Faults.Add(new FaultRule { Kind = FaultKind.Latency, PathPattern = "*", Latency = TimeSpan.FromMilliseconds(60) });
        var endpoint = await harness.SetUpAsync(sim, Suffix());

        var first = await Jobs.RunNowAsync(endpoint, "full", false, "tests");
        var second = await Jobs.RunNowAsync(endpoint, "full", false, "tests");
        var a = await harness.WaitAsync(first);
        var b = await harness.WaitAsync(second);

        Assert.True(a.Status == JobRunStatus.Succeeded, a.Error);
        Assert.True(b.Status == JobRunStatus.Succeeded, b.Error);
        Assert.True(b.StartedUtc >= a.FinishedUtc, $"second run started {b.StartedUtc:O} before the first finished {a.FinishedUtc:O}");
        // The second run saw everything the first one wrote: nothing left to add.
        Assert.True(a.Added >= 120, $"first run added {a.Added}");
        Assert.Equal(0, b.Added);
        Assert.Equal(120, b.Unchanged);
    }

    [Fact]
    public async Task Cancel_QueuedRunBehindARunningOne_NeverStartsAndChangesNothing()
    {
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions { Seed = 23, Accounts = 40, EntitlementsPerType = 3 });
        sim.Faults.Add(new FaultRule { Kind = FaultKind.Latency, PathPattern = "*", Latency = TimeSpan.FromMilliseconds(300) });
        var endpoint = await harness.SetUpAsync(sim, Suffix());
        var running = await Jobs.RunNowAsync(endpoint, "full", false, "tests");
        var queued = await Jobs.RunNowAsync(endpoint, "full", false, "tests");

        Assert.Null(await Jobs.CancelAsync(queued, "tests"));
        Assert.Null(await Jobs.CancelAsync(running, "tests"));

        var q = await harness.WaitAsync(queued);
        var r = await harness.WaitAsync(running);
        Assert.Equal(JobRunStatus.Cancelled, q.Status);
        Assert.Null(q.StartedUtc);
        Assert.Equal(JobRunStatus.Cancelled, r.Status);
        Assert.Empty((await harness.ReadAsync(endpoint)).Accounts);
        Assert.Contains("only a queued or running run", await Jobs.CancelAsync(queued, "tests"));
    }

    [Fact]
    public async Task Watchdog_RunningRunWithStaleHeartbeat_IsMarkedFailedAndAFreshOneIsLeftAlone()
    {
        var now = DateTime.UtcNow;
        await using (var db = factory.CreateDbContext())
        {
            db.JobRuns.AddRange(
                new JobRun { Kind = JobKind.ApplicationDataImport, Status = JobRunStatus.Running, Trigger = "watchdog-test", QueuedUtc = now.AddHours(-2), StartedUtc = now.AddHours(-2), HeartbeatUtc = now.AddHours(-1) },
                new JobRun { Kind = JobKind.ApplicationDataImport, Status = JobRunStatus.Running, Trigger = "watchdog-test", QueuedUtc = now, StartedUtc = now, HeartbeatUtc = now });
            await db.SaveChangesAsync();
        }

        var failed = await factory.Services.GetRequiredService<RunWatchdog>().SweepAsync();

        await using var check = factory.CreateDbContext();
        var runs = await check.JobRuns.AsNoTracking().Where(r => r.Trigger == "watchdog-test").OrderBy(r => r.Id).ToListAsync();
        Assert.Equal([runs[0].Id], failed);
        Assert.Equal(JobRunStatus.Failed, runs[0].Status);
        Assert.Contains("No heartbeat since", runs[0].Error);
        Assert.NotNull(runs[0].FinishedUtc);
        Assert.Equal(JobRunStatus.Running, runs[1].Status);
        // Leave the table as other tests expect it.
        await check.JobRuns.Where(r => r.Trigger == "watchdog-test").ExecuteDeleteAsync();
    }

    private async Task WaitForIdleAsync(string endpoint)
    {
        await using var db = factory.CreateDbContext();
        var ids = await db.JobRuns.Where(r => r.Status == JobRunStatus.Queued || r.Status == JobRunStatus.Running).Select(r => r.Id).ToListAsync();
        foreach (var id in ids) await harness.WaitAsync(id);
    }
}
