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
}
