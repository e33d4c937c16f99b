namespace AdminPortal.Web.Infrastructure;

/// <summary>Settings under "AdminPortal" in appsettings.json.</summary>
public class PortalOptions
{
    public const string Section = "AdminPortal";

    /// <summary>Folder for the SQLite file and Data Protection keys; relative paths resolve against the repository root.</summary>
    public string DataDirectory { get; set; } = "database";
    public string DatabaseFileName { get; set; } = "adminportal.db";
    /// <summary>User name of the administrator created on first start with an empty database.</summary>
    public string BootstrapAdminUser { get; set; } = "admin";
    /// <summary>Password for that administrator; when empty, ADMINPORTAL_ADMIN_PASSWORD or a generated one printed once.</summary>
    public string? BootstrapAdminPassword { get; set; }
    public int MaxFailedSignIns { get; set; } = 5;
    public int LockoutMinutes { get; set; } = 15;
    /// <summary>Sign-in attempts allowed per client address per minute.</summary>
    public int SignInAttemptsPerMinute { get; set; } = 20;
    /// <summary>Seconds a request waits for SQLite's single writer before "database is locked" (ADR-018).</summary>
    public int BusyTimeoutSeconds { get; set; } = 30;
    /// <summary>Seconds background work (WSRETRY, imports, watchdog, token-use stamps) waits for the writer: longer than an import's apply (ADR-018).</summary>
    public int BackgroundBusyTimeoutSeconds { get; set; } = 900;
}
