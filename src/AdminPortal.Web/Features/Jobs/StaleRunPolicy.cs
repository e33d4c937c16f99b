using AdminPortal.Core.Domain;

namespace AdminPortal.Web.Features.Jobs;

/// <summary>
/// The pure decision of the heartbeat watchdog: a run is stale when it is Running and its last sign of
/// life (heartbeat, else start, else queue time) is older than the timeout.
/// </summary>
public static class StaleRunPolicy
{
    public static DateTime LastSignOfLife(JobRun run) => run.HeartbeatUtc ?? run.StartedUtc ?? run.QueuedUtc;

    public static bool IsStale(JobRun run, DateTime nowUtc, TimeSpan timeout) =>
        run.Status == JobRunStatus.Running && nowUtc - LastSignOfLife(run) > timeout;

    public static string Reason(JobRun run, TimeSpan timeout) =>
        $"No heartbeat since {LastSignOfLife(run):yyyy-MM-dd HH:mm:ss} UTC (timeout {timeout.TotalSeconds:0} s); marked failed. An import applies its changes in one transaction, so a run that stopped before committing changed nothing.";
}
