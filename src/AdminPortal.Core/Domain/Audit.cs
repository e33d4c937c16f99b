namespace AdminPortal.Core.Domain;

/// <summary>Who did what, when. Details never hold secret values (callers redact them).</summary>
public class AuditEvent
{
    public long Id { get; set; }
    public DateTime Utc { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public string? TargetKind { get; set; }
    public string? TargetName { get; set; }
    public string? Details { get; set; }
}

public enum TransportImportStatus
{
    Succeeded = 1,
    Failed = 2,
    PreviewOnly = 3,
}

/// <summary>History of transport package imports.</summary>
public class TransportImport
{
    public long Id { get; set; }
    public DateTime Utc { get; set; }
    public required string Actor { get; set; }
    public required string FileName { get; set; }
    public required string Sha256 { get; set; }
    public TransportImportStatus Status { get; set; }
    /// <summary>ui or api.</summary>
    public string Channel { get; set; } = "ui";
    public string? Error { get; set; }
    /// <summary>Per-object outcome: [{kind, name, action, errors}].</summary>
    public string? OutcomeJson { get; set; }
    public List<TransportObjectVersion> PreviousVersions { get; set; } = [];
}

/// <summary>An object as it was before a transport import overwrote it, so it can be restored.</summary>
public class TransportObjectVersion
{
    public long Id { get; set; }
    public long TransportImportId { get; set; }
    public required string Kind { get; set; }
    public required string Name { get; set; }
    /// <summary>Snapshot of the object; secret attributes stay encrypted inside it.</summary>
    public required string SnapshotJson { get; set; }
    public DateTime? RestoredUtc { get; set; }
    public string? RestoredBy { get; set; }
}
