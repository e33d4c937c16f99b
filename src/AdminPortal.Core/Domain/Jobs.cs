namespace AdminPortal.Core.Domain;

public enum JobKind
{
    ApplicationDataImport = 1,
    /// <summary>The provisioning job, named WSRETRY as users of the original know it.</summary>
    WsRetry = 2,
}

/// <summary>A scheduled or on-demand job definition.</summary>
public class Job
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public JobKind Kind { get; set; }
    public int? EndpointId { get; set; }
    public Endpoint? Endpoint { get; set; }
    /// <summary>"full" or "incremental" for imports.</summary>
    public string Mode { get; set; } = "full";
    /// <summary>Quartz cron expression; null means on demand only.</summary>
    public string? CronExpression { get; set; }
    public bool Enabled { get; set; } = true;
    public DateTime CreatedUtc { get; set; }
}

public enum JobRunStatus
{
    Queued = 0,
    Running = 1,
    Succeeded = 2,
    Failed = 3,
    Cancelled = 4,
    /// <summary>Stopped by the deletion guard; an administrator may inspect and approve it.</summary>
    ThresholdReached = 5,
    /// <summary>A dry run finished; it wrote nothing but its plan.</summary>
    PreviewReady = 6,
}

/// <summary>One execution of a job, with counters and log.</summary>
public class JobRun
{
    public long Id { get; set; }
    public int? JobId { get; set; }
    public JobKind Kind { get; set; }
    public int? EndpointId { get; set; }
    public string Mode { get; set; } = "full";
    public bool IsPreview { get; set; }
    public JobRunStatus Status { get; set; }
    /// <summary>manual, schedule, api, startup.</summary>
    public string Trigger { get; set; } = "manual";
    public string? RequestedBy { get; set; }
    public DateTime QueuedUtc { get; set; }
    public DateTime? StartedUtc { get; set; }
    public DateTime? FinishedUtc { get; set; }
    public DateTime? HeartbeatUtc { get; set; }
    public string? Phase { get; set; }
    public int Pages { get; set; }
    public long Read { get; set; }
    public long Added { get; set; }
    public long Changed { get; set; }
    public long Unchanged { get; set; }
    public long Suspended { get; set; }
    public long Inactivated { get; set; }
    public long Failed { get; set; }
    public string? Error { get; set; }
    public string? Log { get; set; }
    /// <summary>For previews and threshold stops: what the run would apply, as JSON.</summary>
    public string? PlanJson { get; set; }
}

/// <summary>A recorded HTTP request/response of a run or task, secrets redacted before storage.</summary>
public class HttpExchange
{
    public long Id { get; set; }
    public long? JobRunId { get; set; }
    public long? TaskId { get; set; }
    public int Sequence { get; set; }
    public DateTime StartedUtc { get; set; }
    public int DurationMs { get; set; }
    public required string Method { get; set; }
    public required string Url { get; set; }
    /// <summary>The URL as written in the JSON, when a rewrite changed it.</summary>
    public string? OriginalUrl { get; set; }
    public string? RequestHeaders { get; set; }
    public string? RequestBody { get; set; }
    public int? StatusCode { get; set; }
    public string? ResponseHeaders { get; set; }
    public string? ResponseBody { get; set; }
    public string? Error { get; set; }
}

public static class GlobalSettingKeys
{
    public const string InstantProvisioningTasks = "InstantProvisioningTasks";
}

public class GlobalSetting
{
    public required string Key { get; set; }
    public string? Value { get; set; }
}
