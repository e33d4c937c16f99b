namespace AdminPortal.Web.Infrastructure;

/// <summary>The resolved data directory (SQLite file, Data Protection keys).</summary>
public sealed record DataDirectory(string Path);
