using System.Security.Claims;
using AdminPortal.Core.Domain;

namespace AdminPortal.Web.Features.Provisioning;

/// <summary>Options bound from appsettings.json section <c>Provisioning</c>.</summary>
public sealed class ProvisioningOptions
{
    public const string Section = "Provisioning";

    /// <summary>How often WSRETRY looks for due tasks.</summary>
    public int IntervalSeconds { get; set; } = 60;
    /// <summary>Attempts before a task stays Failed for good.</summary>
    public int MaxAttempts { get; set; } = 5;
    public int BaseDelaySeconds { get; set; } = 60;
    public int MaxDelaySeconds { get; set; } = 3600;
    public double JitterFraction { get; set; } = 0.2;
    /// <summary>At most this many tasks per WSRETRY run (on top of the connections' provisioningLimit).</summary>
    public int MaxTasksPerRun { get; set; } = 1000;
    /// <summary>WSRETRY claims due tasks in batches of this many (one transaction), and loads their inputs together (ADR-014).</summary>
    public int BatchSize { get; set; } = 100;
    /// <summary>Results of a batch are written together, at the latest this long after the oldest unwritten one finished
    /// (also while the next call is in flight); at most this long's worth of finished tasks needs review after a crash.</summary>
    public int ResultFlushMilliseconds { get; set; } = 100;

    public RetrySettings Retry => new(Math.Max(1, MaxAttempts), TimeSpan.FromSeconds(Math.Max(0, BaseDelaySeconds)),
        TimeSpan.FromSeconds(Math.Max(BaseDelaySeconds, MaxDelaySeconds)), Math.Clamp(JitterFraction, 0, 1));
}

/// <summary>SMTP settings (section <c>Email</c>); messages stay in the outbox when <see cref="SmtpHost"/> is empty.</summary>
public sealed class EmailOptions
{
    public const string Section = "Email";
    public string? SmtpHost { get; set; }
    public int SmtpPort { get; set; } = 25;
    public bool EnableSsl { get; set; } = true;
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "adminportal@localhost";
    public int SendIntervalSeconds { get; set; } = 30;
}

/// <summary>Who acts: the signed-in user or the API token's user.</summary>
public sealed record Actor(string Username, bool IsAdmin)
{
    public static Actor From(ClaimsPrincipal user) => new(user.Identity?.Name ?? throw new InvalidOperationException("Not signed in."), user.IsInRole(SavRoles.Admin));
}

/// <summary>The actor may not see or do this; the API answers 404 for reads (no existence leak) and 403 for actions.</summary>
public sealed class AccessDeniedException(string message) : Exception(message);

/// <summary>Input the caller has to fix (400).</summary>
public sealed class RequestValidationException(IReadOnlyDictionary<string, string> errors)
    : Exception(string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value}")))
{
    public IReadOnlyDictionary<string, string> Errors { get; } = errors;
}
