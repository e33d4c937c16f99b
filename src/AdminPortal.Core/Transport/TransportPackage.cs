using System.Globalization;

namespace AdminPortal.Core.Transport;

/// <summary>One object kind listed in the manifest's <c>Objects</c> map, with the names it lists, in order.</summary>
public sealed record ManifestObjectList(string Kind, IReadOnlyList<string> Names)
{
    public bool Equals(ManifestObjectList? other) =>
        other is not null && Kind == other.Kind && Names.SequenceEqual(other.Names);

    public override int GetHashCode() => HashCode.Combine(Kind, PackagedFields.Hash(Names));
}

/// <summary>
/// The manifest (<c>ObjectSummary_&lt;ts&gt;(UTC).json</c>). <see cref="Information"/> keeps every key
/// of the <c>Information</c> object in order; the named properties read the well-known ones.
/// <see cref="Timestamp"/> is the <c>yyyy-MM-dd_HH-mm-ss</c> part of the manifest's file name (it can
/// differ from <c>Exported On</c> in real exports) and names every file the writer produces.
/// </summary>
public sealed record TransportManifest(
    string Timestamp,
    IReadOnlyList<ManifestObjectList> Objects,
    IReadOnlyList<PackagedField> Information)
{
    public const string TimestampFormat = "yyyy-MM-dd_HH-mm-ss";

    public string? Guid => PackagedFields.Find(Information, "GUID")?.AsString();

    public string? ExportedBy => PackagedFields.Find(Information, "Exported By")?.AsString();

    /// <summary>The raw <c>Exported On</c> text (<c>yyyy-MM-dd HH:mm:ss</c>, UTC).</summary>
    public string? ExportedOn => PackagedFields.Find(Information, "Exported On")?.AsString();

    public DateTime? ExportedOnUtc =>
        DateTime.TryParseExact(ExportedOn, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d)
            ? d
            : null;

    public string? System => PackagedFields.Find(Information, "System")?.AsString();

    public bool? TransferOwners => PackagedFields.Find(Information, "TransferOwners")?.AsBoolean();

    public bool? TransferUsers => PackagedFields.Find(Information, "TransferUsers")?.AsBoolean();

    /// <summary>Names listed for <paramref name="kind"/> (case-insensitive), or empty.</summary>
    public IReadOnlyList<string> NamesOf(string kind) =>
        Objects.FirstOrDefault(o => string.Equals(o.Kind, kind, StringComparison.OrdinalIgnoreCase))?.Names ?? [];

    /// <summary>A manifest for a new export, in Saviynt's key order and value formats.</summary>
    public static TransportManifest Create(
        string exportedBy, string system, DateTime exportedOnUtc, Guid guid,
        bool transferOwners = false, bool transferUsers = false)
    {
        var utc = exportedOnUtc.Kind == DateTimeKind.Local ? exportedOnUtc.ToUniversalTime() : exportedOnUtc;
        return new TransportManifest(
            utc.ToString(TimestampFormat, CultureInfo.InvariantCulture),
            [],
            [
                PackagedField.FromString("GUID", guid.ToString("D")),
                PackagedField.FromString("Exported By", exportedBy),
                PackagedField.FromString("Exported On", utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)),
                PackagedField.FromString("System", system),
                PackagedField.FromString("TransferOwners", transferOwners ? "1" : "0"),
                PackagedField.FromString("TransferUsers", transferUsers ? "1" : "0"),
            ]);
    }

    public bool Equals(TransportManifest? other) =>
        other is not null && Timestamp == other.Timestamp
        && Objects.SequenceEqual(other.Objects) && Information.SequenceEqual(other.Information);

    public override int GetHashCode() =>
        HashCode.Combine(Timestamp, PackagedFields.Hash(Objects), PackagedFields.Hash(Information));
}

/// <summary>An object named in the manifest that this portal does not import, and why.</summary>
public sealed record SkippedObject(string Kind, string Name, string Reason);

/// <summary>
/// A transport package as read from (or to be written to) a T2P zip. Every list keeps the payload's
/// order. <see cref="Sha256"/> is the lower-case hex SHA-256 of the zip bytes read (empty for a package
/// built in memory for export).
/// </summary>
public sealed record TransportPackage(
    TransportManifest Manifest,
    IReadOnlyList<PackagedConnection> Connections,
    IReadOnlyList<PackagedSecuritySystem> SecuritySystems,
    IReadOnlyList<PackagedEndpoint> Endpoints,
    IReadOnlyList<PackagedEmailTemplate> EmailTemplates,
    IReadOnlyList<SkippedObject> Skipped,
    string Sha256)
{
    /// <summary>Entries present in the zip that the reader did not use (unknown files, macOS metadata, folders).</summary>
    public IReadOnlyList<string> IgnoredEntries { get; init; } = [];

    /// <summary>A package to export: no skipped objects, no hash yet.</summary>
    public static TransportPackage ForExport(
        TransportManifest manifest,
        IEnumerable<PackagedConnection>? connections = null,
        IEnumerable<PackagedSecuritySystem>? securitySystems = null,
        IEnumerable<PackagedEndpoint>? endpoints = null,
        IEnumerable<PackagedEmailTemplate>? emailTemplates = null) =>
        new(manifest, [.. connections ?? []], [.. securitySystems ?? []], [.. endpoints ?? []],
            [.. emailTemplates ?? []], [], "");

    /// <summary>
    /// True when both packages carry the same objects: manifest information and timestamp, connections
    /// (every field and attribute row, in order), security systems, endpoints and email templates.
    /// Ignores <see cref="Sha256"/>, <see cref="Skipped"/>, <see cref="IgnoredEntries"/> and the manifest's
    /// object lists (the writer rebuilds those from the payloads).
    /// </summary>
    public bool HasSameContentAs(TransportPackage other) =>
        Manifest.Timestamp == other.Manifest.Timestamp
        && Manifest.Information.SequenceEqual(other.Manifest.Information)
        && Connections.SequenceEqual(other.Connections)
        && SecuritySystems.SequenceEqual(other.SecuritySystems)
        && Endpoints.SequenceEqual(other.Endpoints)
        && EmailTemplates.SequenceEqual(other.EmailTemplates);

    public bool Equals(TransportPackage? other) =>
        other is not null && Manifest.Equals(other.Manifest) && HasSameContentAs(other)
        && Skipped.SequenceEqual(other.Skipped) && Sha256 == other.Sha256
        && IgnoredEntries.SequenceEqual(other.IgnoredEntries);

    public override int GetHashCode() => HashCode.Combine(Manifest, Sha256, PackagedFields.Hash(Connections));
}
