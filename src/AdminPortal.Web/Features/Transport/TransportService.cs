using System.Security.Cryptography;
using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Domain;
using AdminPortal.Core.Transport;
using AdminPortal.Data;
using AdminPortal.Web.Features.Audit;
using AdminPortal.Web.Features.Connections;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json;

namespace AdminPortal.Web.Features.Transport;

public static class TransportActions
{
    public const string Create = "create";
    public const string Overwrite = "overwrite";
    public const string Skip = "skip";
}

public sealed record AttributePreview(string Attribute, string Change, string? Current, string? Incoming, string? Note);

/// <summary>One object of a package as the preview shows it.</summary>
public sealed record ObjectPreview(string Kind, string Name, string State, string DefaultAction, string? Reason, IReadOnlyList<AttributePreview> Attributes);

public sealed record PackagePreview(string FileName, string Sha256, IReadOnlyList<ObjectPreview> Objects, IReadOnlyList<string> Errors)
{
    public bool IsValid => Errors.Count == 0;

    /// <summary>
    /// Problems that do not stop the import, such as a <c>${...}</c> that does not parse: the package is what its vendor
    /// publishes and must import unchanged, but the admin learns before the first run which attribute to fix.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

public sealed record ObjectOutcome(string Kind, string Name, string Action, IReadOnlyList<string> Errors);

public sealed record ImportOutcome(string Status, long? ImportId, IReadOnlyList<ObjectOutcome> Objects, IReadOnlyList<string> Errors)
{
    /// <summary>The preview's warnings, for callers that import without previewing first.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>
/// Transport (T2P) packages: preview, import in one transaction with history and restorable previous
/// versions, export with secrets replaced by placeholders. The zip format itself is Core.Transport.
/// </summary>
public class TransportService(
    IDbContextFactory<AdminPortalDbContext> dbFactory,
    AttributeProtector protector,
    AuditService audit,
    TimeProvider clock,
    ILogger<TransportService> logger)
{
    public const string ConnectionKind = "connection";
    public const string SecuritySystemKind = "securitySystem";
    public const string EndpointKind = "endpoint";

    public TransportLimits Limits { get; init; } = TransportLimits.Default;

    private TransportPackage Read(byte[] zip, string fileName) =>
        TransportPackageReader.Read(new MemoryStream(zip, writable: false), fileName, Limits);

    public async Task<PackagePreview> PreviewAsync(byte[] zip, string fileName, CancellationToken ct = default)
    {
        TransportPackage package;
        try
        {
            package = Read(zip, fileName);
        }
        catch (TransportPackageException e)
        {
            return new PackagePreview(fileName, Sha256(zip), [], e.Errors.Select(x => x.ToString()).ToList());
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var objects = new List<ObjectPreview>();
        var warnings = new List<string>();
        foreach (var incoming in package.Connections)
        {
            var existing = await db.Connections.AsNoTracking().Include(c => c.Attributes).SingleOrDefaultAsync(c => c.Name == incoming.Name, ct);
            var attributes = new List<AttributePreview>();
            foreach (var row in incoming.Attributes)
            {
                var current = existing?.Attribute(row.Name) is { } a ? protector.Read(a) : null;
                if (row.EncryptedElsewhere)
                {
                    attributes.Add(new AttributePreview(row.Name, "needs entry", Mask(current), null,
                        existing is null || string.IsNullOrEmpty(current)
                            ? "The package carries another tenant's ciphertext: ConnectionJSON must be entered after import."
                            : "The package carries another tenant's ciphertext: the ConnectionJSON entered here is kept."));
                    continue;
                }

                warnings.AddRange(TemplateSyntaxCheck.Check(row.Name, row.Value).Select(p =>
                    $"connection '{incoming.Name}': {p.Message}. It imports as published; the connection page refuses to save this attribute until it is fixed."));
                var comparison = JsonAttributeDiff.Compare(current, row.Value);
                if (existing is null || comparison.Change != AttributeChange.Unchanged)
                {
                    attributes.Add(new AttributePreview(row.Name, existing is null ? "new" : comparison.Change.ToString().ToLowerInvariant(),
                        Mask(current, row.Name), Mask(row.Value, row.Name), comparison.FirstDifferencePath));
                }
            }

            var state = existing is null ? "new" : attributes.Any(a => a.Change is "changed" or "added" or "removed") ? "changed" : "unchanged";
            objects.Add(new ObjectPreview(ConnectionKind, incoming.Name, state,
                state switch { "new" => TransportActions.Create, "changed" => TransportActions.Overwrite, _ => TransportActions.Skip },
                null, attributes.Where(a => existing is null ? !string.IsNullOrEmpty(a.Incoming) || a.Change == "needs entry" : true).ToList()));
        }

        foreach (var system in package.SecuritySystems)
        {
            var exists = await db.SecuritySystems.AnyAsync(s => s.Name == system.Name, ct);
            objects.Add(new ObjectPreview(SecuritySystemKind, system.Name, exists ? "changed" : "new", exists ? TransportActions.Overwrite : TransportActions.Create, null, []));
        }

        foreach (var endpoint in package.Endpoints)
        {
            var exists = await db.Endpoints.AnyAsync(e => e.Name == endpoint.Name, ct);
            objects.Add(new ObjectPreview(EndpointKind, endpoint.Name, exists ? "changed" : "new", exists ? TransportActions.Overwrite : TransportActions.Create, null, []));
        }

        objects.AddRange(package.Skipped.Select(s => new ObjectPreview(s.Kind, s.Name, "skipped", TransportActions.Skip, s.Reason, [])));
        objects.AddRange(package.EmailTemplates.Select(t => new ObjectPreview("emailTemplate", t.Name, "skipped", TransportActions.Skip,
            "Email templates are read but not imported yet.", [])));
        return new PackagePreview(fileName, package.Sha256, objects, []) { Warnings = warnings };
    }

    /// <summary>
    /// Imports the chosen objects in one transaction: all of them or nothing. <paramref name="decisions"/>
    /// maps "kind/name" to create, overwrite or skip; objects it does not name take the preview's default.
    /// </summary>
    public async Task<ImportOutcome> ImportAsync(byte[] zip, string fileName, IReadOnlyDictionary<string, string>? decisions, string actor, string channel, CancellationToken ct = default)
    {
        var preview = await PreviewAsync(zip, fileName, ct);
        if (!preview.IsValid)
        {
            logger.LogWarning("Transport package {File} refused: {Errors}", fileName, string.Join("; ", preview.Errors));
            return new ImportOutcome("failed", null, [], preview.Errors);
        }

        var package = Read(zip, fileName);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var history = new TransportImport { Utc = now, Actor = actor, FileName = fileName, Sha256 = package.Sha256, Channel = channel, Status = TransportImportStatus.Succeeded };
        db.TransportImports.Add(history);
        var outcomes = new List<ObjectOutcome>();

        foreach (var item in preview.Objects)
        {
            var action = decisions is not null && decisions.TryGetValue($"{item.Kind}/{item.Name}", out var chosen) ? chosen : item.DefaultAction;
            if (item.State == "skipped") action = TransportActions.Skip;
            var errors = new List<string>();
            if (action is not (TransportActions.Create or TransportActions.Overwrite or TransportActions.Skip))
                errors.Add($"Unknown action '{action}' (use create, overwrite or skip).");
            else if (action == TransportActions.Create && item.State is "changed" or "unchanged")
                errors.Add($"{item.Kind} '{item.Name}' already exists; choose overwrite or skip.");
            else if (action != TransportActions.Skip)
            {
                switch (item.Kind)
                {
                    case ConnectionKind:
                        await ApplyConnectionAsync(db, package.Connections.Single(c => c.Name == item.Name), history, actor, now, ct);
                        break;
                    case SecuritySystemKind:
                        errors.AddRange(await ApplySecuritySystemAsync(db, package.SecuritySystems.Single(s => s.Name == item.Name), history, now, ct));
                        break;
                    case EndpointKind:
                        errors.AddRange(await ApplyEndpointAsync(db, package.Endpoints.Single(e => e.Name == item.Name), history, now, ct));
                        break;
                }

                // Security systems need the connections, endpoints the systems: save in that order.
                await db.SaveChangesAsync(ct);
            }

            outcomes.Add(new ObjectOutcome(item.Kind, item.Name, errors.Count > 0 ? "error" : action, errors));
        }

        if (outcomes.Any(o => o.Errors.Count > 0))
        {
            await tx.RollbackAsync(ct);
            return new ImportOutcome("failed", null, outcomes, outcomes.SelectMany(o => o.Errors.Select(e => $"{o.Kind} '{o.Name}': {e}")).ToList());
        }

        history.OutcomeJson = JsonConvert.SerializeObject(outcomes);
        db.AuditEvents.Add(audit.Create(actor, "transport.import", "package", fileName, $"sha256={package.Sha256} objects={outcomes.Count(o => o.Action != TransportActions.Skip)} channel={channel}"));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new ImportOutcome("succeeded", history.Id, outcomes, []) { Warnings = preview.Warnings };
    }

    private async Task ApplyConnectionAsync(AdminPortalDbContext db, PackagedConnection incoming, TransportImport history, string actor, DateTime now, CancellationToken ct)
    {
        var connection = await db.Connections.Include(c => c.Attributes).SingleOrDefaultAsync(c => c.Name == incoming.Name, ct);
        if (connection is null)
        {
            connection = new Connection { Name = incoming.Name, CreatedUtc = now };
            db.Connections.Add(connection);
        }
        else
        {
            history.PreviousVersions.Add(new TransportObjectVersion { Kind = ConnectionKind, Name = connection.Name, SnapshotJson = Snapshot(connection) });
        }

        connection.Description = incoming.Description;
        connection.ConnectionType = string.IsNullOrWhiteSpace(incoming.TemplateName) ? incoming.ConnectionType ?? "REST" : incoming.TemplateName!;
        connection.PackageFieldsJson = JsonConvert.SerializeObject(incoming.Fields.Select(f => new[] { f.Name, f.RawJson }));
        connection.UpdatedUtc = now;
        var order = 0;
        foreach (var row in incoming.Attributes)
        {
            var attribute = connection.Attribute(row.Name);
            if (attribute is null)
            {
                attribute = new ConnectionAttribute { Name = row.Name };
                connection.Attributes.Add(attribute);
            }

            attribute.SortOrder = order++;
            attribute.FormData = JsonConvert.SerializeObject(row.OtherFields.Select(f => new[] { f.Name, f.RawJson }));
            attribute.UpdatedUtc = now;
            if (row.EncryptedElsewhere)
            {
                // Another tenant's ciphertext is useless here: keep what was entered, else ask for it.
                if (string.IsNullOrEmpty(protector.Read(attribute))) connection.ConnectionJsonNeedsEntry = true;
                continue;
            }

            protector.Store(attribute, row.Value);
        }

        await db.SaveChangesAsync(ct);
        foreach (var attribute in connection.Attributes.Where(a => !string.IsNullOrEmpty(a.Value)))
        {
            db.ConnectionAttributeVersions.Add(new ConnectionAttributeVersion
            {
                ConnectionId = connection.Id, AttributeName = attribute.Name, Value = attribute.Value, IsEncrypted = attribute.IsEncrypted,
                SavedUtc = now, SavedBy = actor, Source = "import",
            });
        }
    }

    private static async Task<List<string>> ApplySecuritySystemAsync(AdminPortalDbContext db, PackagedSecuritySystem incoming, TransportImport history, DateTime now, CancellationToken ct)
    {
        var errors = new List<string>();
        int? ConnectionId(string? name, string field)
        {
            if (string.IsNullOrWhiteSpace(name)) return null;
            var id = db.Connections.Local.FirstOrDefault(c => c.Name == name)?.Id ?? db.Connections.Where(c => c.Name == name).Select(c => (int?)c.Id).FirstOrDefault();
            if (id is null) errors.Add($"{field}: connection '{name}' is neither in the package nor in the portal.");
            return id;
        }

        var importId = ConnectionId(incoming.ConnectionName, "connectionname");
        var provisioningId = ConnectionId(incoming.ProvisioningConnection, "provisioningconnection");
        if (errors.Count > 0) return errors;
        var system = await db.SecuritySystems.SingleOrDefaultAsync(s => s.Name == incoming.Name, ct);
        if (system is null)
        {
            system = new SecuritySystem { Name = incoming.Name, CreatedUtc = now };
            db.SecuritySystems.Add(system);
        }
        else
        {
            history.PreviousVersions.Add(new TransportObjectVersion { Kind = SecuritySystemKind, Name = system.Name, SnapshotJson = JsonConvert.SerializeObject(system) });
        }

        system.DisplayName = incoming.DisplayName;
        system.Description = incoming.Description;
        system.ImportConnectionId = importId;
        system.ProvisioningConnectionId = provisioningId;
        system.InstantProvisioning = incoming.InstantProvisioning ?? false;
        system.UpdatedUtc = now;
        return errors;
    }

    private static async Task<List<string>> ApplyEndpointAsync(AdminPortalDbContext db, PackagedEndpoint incoming, TransportImport history, DateTime now, CancellationToken ct)
    {
        var system = await db.SecuritySystems.SingleOrDefaultAsync(s => s.Name == incoming.SecuritySystem, ct);
        if (system is null) return [$"securitysystem: security system '{incoming.SecuritySystem}' is neither in the package nor in the portal."];
        var endpoint = await db.Endpoints.Include(e => e.EntitlementTypes).SingleOrDefaultAsync(e => e.Name == incoming.Name, ct);
        if (endpoint is null)
        {
            endpoint = new Core.Domain.Endpoint { Name = incoming.Name, CreatedUtc = now };
            db.Endpoints.Add(endpoint);
        }
        else
        {
            history.PreviousVersions.Add(new TransportObjectVersion
            {
                Kind = EndpointKind, Name = endpoint.Name,
                SnapshotJson = JsonConvert.SerializeObject(endpoint, new JsonSerializerSettings { ReferenceLoopHandling = ReferenceLoopHandling.Ignore }),
            });
        }

        endpoint.DisplayName = incoming.DisplayName;
        endpoint.Description = incoming.Description;
        endpoint.SecuritySystemId = system.Id;
        endpoint.AccountNameRule = incoming.AccountNameRule;
        endpoint.UpdatedUtc = now;
        foreach (var type in incoming.EntitlementTypes)
        {
            var existing = endpoint.EntitlementTypes.FirstOrDefault(t => t.Name == type.Name);
            if (existing is null)
            {
                existing = new EntitlementType { Name = type.Name };
                endpoint.EntitlementTypes.Add(existing);
            }

            existing.DisplayOrder = type.Order;
            existing.CustomPropertyLabelsJson = JsonConvert.SerializeObject(type.CustomPropertyLabels.ToDictionary(p => p.Key, p => p.Value));
        }

        return [];
    }

    /// <summary>The connection as stored (secret attributes stay encrypted), for one-click restore.</summary>
    private static string Snapshot(Connection connection) => JsonConvert.SerializeObject(new
    {
        connection.Name, connection.Description, connection.ConnectionType, connection.PackageFieldsJson, connection.ConnectionJsonNeedsEntry,
        Attributes = connection.Attributes.Select(a => new { a.Name, a.Value, a.IsEncrypted, a.FormData, a.SortOrder }),
    });

    private sealed record SnapshotAttribute(string Name, string? Value, bool IsEncrypted, string? FormData, int SortOrder);

    private sealed record ConnectionSnapshot(string Name, string? Description, string ConnectionType, string? PackageFieldsJson, bool ConnectionJsonNeedsEntry, List<SnapshotAttribute> Attributes);

    /// <summary>Puts an overwritten connection back as it was before the import.</summary>
    public async Task<string?> RestoreAsync(long versionId, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var version = await db.TransportObjectVersions.SingleOrDefaultAsync(v => v.Id == versionId, ct);
        if (version is null) return "No such previous version.";
        if (version.Kind != ConnectionKind) return $"Restoring a {version.Kind} is not supported yet; only connections.";
        var snapshot = JsonConvert.DeserializeObject<ConnectionSnapshot>(version.SnapshotJson)!;
        var now = clock.GetUtcNow().UtcDateTime;
        var connection = await db.Connections.Include(c => c.Attributes).SingleOrDefaultAsync(c => c.Name == snapshot.Name, ct);
        if (connection is null)
        {
            connection = new Connection { Name = snapshot.Name, CreatedUtc = now };
            db.Connections.Add(connection);
        }

        connection.Description = snapshot.Description;
        connection.ConnectionType = snapshot.ConnectionType;
        connection.PackageFieldsJson = snapshot.PackageFieldsJson;
        connection.ConnectionJsonNeedsEntry = snapshot.ConnectionJsonNeedsEntry;
        connection.UpdatedUtc = now;
        connection.Attributes.RemoveAll(a => snapshot.Attributes.All(s => s.Name != a.Name));
        foreach (var s in snapshot.Attributes)
        {
            var attribute = connection.Attribute(s.Name);
            if (attribute is null)
            {
                attribute = new ConnectionAttribute { Name = s.Name };
                connection.Attributes.Add(attribute);
            }

            attribute.Value = s.Value;
            attribute.IsEncrypted = s.IsEncrypted;
            attribute.FormData = s.FormData;
            attribute.SortOrder = s.SortOrder;
            attribute.UpdatedUtc = now;
        }

        version.RestoredUtc = now;
        version.RestoredBy = actor;
        db.AuditEvents.Add(audit.Create(actor, "transport.restore", ConnectionKind, snapshot.Name, $"version={versionId}"));
        await db.SaveChangesAsync(ct);
        return null;
    }

    public async Task<List<TransportImport>> HistoryAsync(int take = 100, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.TransportImports.AsNoTracking().Include(t => t.PreviousVersions).OrderByDescending(t => t.Id).Take(take).ToListAsync(ct);
    }

    /// <summary>Writes the named connections (and security systems, endpoints) as a T2P zip; secrets become @@NAME@@.</summary>
    public async Task<(byte[] Zip, string FileName)> ExportAsync(IReadOnlyCollection<string> connectionNames, IReadOnlyCollection<string> securitySystemNames,
        IReadOnlyCollection<string> endpointNames, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var connections = new List<PackagedConnection>();
        foreach (var name in connectionNames)
        {
            var c = await db.Connections.AsNoTracking().Include(x => x.Attributes).SingleOrDefaultAsync(x => x.Name == name, ct)
                    ?? throw new KeyNotFoundException($"No connection named '{name}'.");
            var fields = c.PackageFieldsJson is null
                ? PackagedConnection.Create(c.Name, c.Description, "REST", [], c.ConnectionType == "REST" ? null : c.ConnectionType).Fields
                : JsonConvert.DeserializeObject<List<string[]>>(c.PackageFieldsJson)!.Select(f => new PackagedField(f[0], f[1])).ToList();
            var names = c.Attributes.OrderBy(a => a.SortOrder).Select(a => a.Name).ToList();
            names.AddRange(ConnectionAttributeNames.All.Where(n => !names.Contains(n)));
            var rows = names.Select(n =>
            {
                var a = c.Attribute(n);
                var value = a is null ? null : protector.Read(a);
                var row = PackagedAttribute.Create(n, string.IsNullOrEmpty(value) ? (a?.Value is null ? null : "") : value);
                return a?.FormData is { } formData
                    ? row with { OtherFields = JsonConvert.DeserializeObject<List<string[]>>(formData)!.Select(f => new PackagedField(f[0], f[1])).ToList() }
                    : row;
            }).ToList();
            connections.Add(new PackagedConnection(c.Name, fields, rows));
        }

        var systems = await db.SecuritySystems.AsNoTracking().Include(s => s.ImportConnection).Include(s => s.ProvisioningConnection)
            .Where(s => securitySystemNames.Contains(s.Name)).ToListAsync(ct);
        var endpoints = await db.Endpoints.AsNoTracking().Include(e => e.SecuritySystem).Include(e => e.Owner).Include(e => e.EntitlementTypes)
            .Where(e => endpointNames.Contains(e.Name)).ToListAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var package = TransportPackage.ForExport(
            TransportManifest.Create(actor, "AdminPortal", now, Guid.NewGuid()),
            connections,
            systems.Select(s => PackagedSecuritySystem.Create(s.Name, s.DisplayName, s.ImportConnection?.Name, s.ProvisioningConnection?.Name, s.InstantProvisioning, s.Description)),
            endpoints.Select(e => PackagedEndpoint.Create(e.Name, e.DisplayName, e.SecuritySystem!.Name, e.Owner?.Username, e.AccountNameRule, e.Description,
                e.EntitlementTypes.OrderBy(t => t.DisplayOrder).Select(t => new PackagedEntitlementType(t.Name, t.DisplayOrder,
                    (string.IsNullOrEmpty(t.CustomPropertyLabelsJson) ? [] : JsonConvert.DeserializeObject<Dictionary<string, string>>(t.CustomPropertyLabelsJson)!).ToList())))));
        using var output = new MemoryStream();
        var result = TransportPackageWriter.Write(package, output);
        db.AuditEvents.Add(audit.Create(actor, "transport.export", "package", null,
            $"connections={string.Join(',', connectionNames)} systems={string.Join(',', securitySystemNames)} endpoints={string.Join(',', endpointNames)} secretsReplaced={result.Scrubbed.Count}"));
        await db.SaveChangesAsync(ct);
        return (output.ToArray(), TransportFileNames.SuggestPackageFileName(actor, now));
    }

    private static string? Mask(string? text, string? attributeName = null) =>
        text is null ? null : attributeName == ConnectionAttributeNames.ConnectionJson || attributeName is null ? SecretScrubber.Scrub(text).Text : text;

    private static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
}
