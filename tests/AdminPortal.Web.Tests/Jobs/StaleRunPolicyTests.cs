using AdminPortal.Core.Domain;
using AdminPortal.Web.Features.Jobs;

namespace AdminPortal.Web.Tests.Jobs;

/// <summary>The watchdog's pure decision: only a Running run whose last sign of life is older than the timeout is stale.</summary>
public class StaleRunPolicyTests
{
    private static readonly DateTime Now = new(2026, 12, 2, 12, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(15);

    public static TheoryData<JobRunStatus, int?, int?, int, bool> Cases() => new()
    {
        // status, heartbeat minutes ago, started minutes ago, queued minutes ago, stale?
        { JobRunStatus.Running, 16, 60, 61, true },
        { JobRunStatus.Running, 14, 60, 61, false },
        { JobRunStatus.Running, 15, 60, 61, false }, // exactly the timeout: not yet
        { JobRunStatus.Running, null, 20, 21, true }, // no heartbeat yet: the start time counts
        { JobRunStatus.Running, null, 5, 21, false },
        { JobRunStatus.Running, null, null, 30, true },
        { JobRunStatus.Queued, null, null, 600, false }, // waiting behind another run is not a stopped heartbeat
        { JobRunStatus.Succeeded, 600, 600, 600, false },
        { JobRunStatus.ThresholdReached, 600, 600, 600, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void IsStale_DependsOnStatusAndLastSignOfLife(JobRunStatus status, int? heartbeatAgo, int? startedAgo, int queuedAgo, bool expected)
    {
        var run = new JobRun
        {
            Status = status,
            HeartbeatUtc = heartbeatAgo is { } h ? Now.AddMinutes(-h) : null,
            StartedUtc = startedAgo is { } s ? Now.AddMinutes(-s) : null,
            QueuedUtc = Now.AddMinutes(-queuedAgo),
        };

        Assert.Equal(expected, StaleRunPolicy.IsStale(run, Now, Timeout));
    }

    [Fact]
    public void Reason_NamesTheLastHeartbeatAndTheTimeout()
    {
        var run = new JobRun { Status = JobRunStatus.Running, QueuedUtc = Now.AddHours(-1), HeartbeatUtc = new DateTime(2026, 12, 2, 11, 30, 5, DateTimeKind.Utc) };

        var reason = StaleRunPolicy.Reason(run, Timeout);

        Assert.Contains("2026-12-02 11:30:05 UTC", reason);
        Assert.Contains("timeout 900 s", reason);
    }
}
