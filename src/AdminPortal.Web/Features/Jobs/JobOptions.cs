namespace AdminPortal.Web.Features.Jobs;

/// <summary>Settings under "AdminPortal:Jobs" in appsettings.json.</summary>
public sealed class JobOptions
{
    public const string Section = "AdminPortal:Jobs";

    /// <summary>A running run whose heartbeat is older than this is marked failed (the worker died or hung).</summary>
    public int HeartbeatTimeoutSeconds { get; set; } = 900;

    /// <summary>How often the watchdog looks for runs whose heartbeat stopped.</summary>
    public int WatchdogIntervalSeconds { get; set; } = 30;

    /// <summary>Whether the Quartz scheduler fires jobs with a cron expression.</summary>
    public bool SchedulerEnabled { get; set; } = true;

    /// <summary>
    /// Whether an import writes its staging file on a thread of its own while the engine reads on (ADR-020). Off: the
    /// engine's thread writes each record itself (one core; the benchmark's comparison and a fallback).
    /// </summary>
    public bool PipelinedStaging { get; set; } = true;

    /// <summary>
    /// An import that inserts at least this many accounts (or links), and at least half as many as the table holds,
    /// drops the table's secondary indexes for the insert and builds them again after it, inside the import's
    /// transaction (ADR-021). Tests lower it to run that path on small targets.
    /// </summary>
    public long BulkIndexRebuildMinRows { get; set; } = AdminPortal.Data.SqliteBulkImport.DefaultMinRowsForIndexRebuild;
}
