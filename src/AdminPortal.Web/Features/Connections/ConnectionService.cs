using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Domain;
using AdminPortal.Core.Transport;
using AdminPortal.Data;
using AdminPortal.Web.Features.Audit;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Web.Features.Connections;

public sealed record ConnectionSummary(int Id, string Name, string? Description, string ConnectionType, bool ConnectionJsonNeedsEntry, int PlaceholderCount, DateTime UpdatedUtc);

public sealed record AttributeSaveResult(bool Saved, string? Error);

/// <summary>The editable fields of a connection other than its JSON attributes.</summary>
public sealed record ConnectionDetails(string Name, string? Description, string ConnectionType = "REST", string? DefaultSavRole = null, string? EmailTemplate = null);

/// <summary>Connections and their JSON attributes: read (decrypted), save with validation and history, delete.</summary>
public class ConnectionService(IDbContextFactory<AdminPortalDbContext> dbFactory, AttributeProtector protector, AuditService audit, TimeProvider clock)
{
    public async Task<List<ConnectionSummary>> ListAsync(string? search, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.Connections.AsNoTracking().Include(c => c.Attributes).AsQueryable();
        if (!string.IsNullOrWhiteSpace(search)) query = query.Where(c => c.Name.Contains(search.Trim()));
        var connections = await query.OrderBy(c => c.Name).ToListAsync(ct);
        return connections.Select(c => new ConnectionSummary(c.Id, c.Name, c.Description, c.ConnectionType, c.ConnectionJsonNeedsEntry,
            c.Attributes.Where(a => !a.IsEncrypted).Sum(a => PlaceholderScanner.Find(a.Value ?? "").Count), c.UpdatedUtc)).ToList();
    }

    /// <summary>The connection with every attribute decrypted (for the editor; never for export).</summary>
    public async Task<Connection?> GetDecryptedAsync(string name, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await GetDecryptedAsync(db, name, ct);
    }

    private async Task<Connection?> GetDecryptedAsync(AdminPortalDbContext db, string name, CancellationToken ct)
    {
        var connection = await db.Connections.AsNoTracking().Include(c => c.Attributes).SingleOrDefaultAsync(c => c.Name == name, ct);
        if (connection is null) return null;
        foreach (var attribute in connection.Attributes)
        {
            attribute.Value = protector.Read(attribute);
            attribute.IsEncrypted = false;
        }

        connection.Attributes = connection.Attributes.OrderBy(a => a.SortOrder).ToList();
        return connection;
    }

    /// <summary>Checks that a JSON attribute parses; the message names the attribute, line and position.</summary>
    public static string? ValidateJson(string attributeName, string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            Newtonsoft.Json.Linq.JToken.Parse(text);
            return null;
        }
        catch (Newtonsoft.Json.JsonReaderException e)
        {
            return $"{attributeName}: {e.Message.Split(". Path")[0]} (line {e.LineNumber}, position {e.LinePosition}).";
        }
    }

    public async Task<AttributeSaveResult> SaveAttributeAsync(string connectionName, string attributeName, string? text, string actor, string source = "edit", CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await SaveAttributeAsync(db, connectionName, attributeName, text, actor, source, ct);
    }

    private async Task<AttributeSaveResult> SaveAttributeAsync(AdminPortalDbContext db, string connectionName, string attributeName, string? text, string actor, string source, CancellationToken ct)
    {
        var error = ValidateJson(attributeName, text);
        if (error is not null) return new AttributeSaveResult(false, error);

        var connection = await db.Connections.Include(c => c.Attributes).SingleOrDefaultAsync(c => c.Name == connectionName, ct);
        if (connection is null) return new AttributeSaveResult(false, $"No connection named '{connectionName}'.");
        var now = clock.GetUtcNow().UtcDateTime;
        var attribute = connection.Attribute(attributeName);
        if (attribute is null)
        {
            attribute = new ConnectionAttribute { Name = attributeName, SortOrder = connection.Attributes.Count, UpdatedUtc = now };
            connection.Attributes.Add(attribute);
        }

        var before = protector.Read(attribute);
        if (before == text) return new AttributeSaveResult(true, null);
        protector.Store(attribute, text);
        attribute.UpdatedUtc = now;
        connection.UpdatedUtc = now;
        if (attributeName == ConnectionAttributeNames.ConnectionJson && !string.IsNullOrWhiteSpace(text))
            connection.ConnectionJsonNeedsEntry = false;
        db.ConnectionAttributeVersions.Add(new ConnectionAttributeVersion
        {
            ConnectionId = connection.Id,
            AttributeName = attributeName,
            Value = attribute.Value,
            IsEncrypted = attribute.IsEncrypted,
            SavedUtc = now,
            SavedBy = actor,
            Source = source,
        });
        var scrubbedDiff = DescribeChange(attributeName, before, text);
        db.AuditEvents.Add(audit.Create(actor, $"connection.attribute.{source}", "connection", connectionName, scrubbedDiff));
        await db.SaveChangesAsync(ct);
        return new AttributeSaveResult(true, null);
    }

    /// <summary>Audit text for a change: sizes and the first changed path, with secret values scrubbed.</summary>
    private static string DescribeChange(string attributeName, string? before, string? after)
    {
        var comparison = JsonAttributeDiff.Compare(SecretScrubber.Scrub(before ?? "").Text, SecretScrubber.Scrub(after ?? "").Text);
        return $"{attributeName}: {comparison.Change}{(comparison.FirstDifferencePath is null ? "" : $" at {comparison.FirstDifferencePath}")} ({before?.Length ?? 0} → {after?.Length ?? 0} chars)";
    }

    public async Task<List<ConnectionAttributeVersion>> HistoryAsync(string connectionName, string attributeName, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var versions = await db.ConnectionAttributeVersions.AsNoTracking()
            .Where(v => v.AttributeName == attributeName && db.Connections.Any(c => c.Id == v.ConnectionId && c.Name == connectionName))
            .OrderByDescending(v => v.Id).Take(200).ToListAsync(ct);
        foreach (var v in versions)
        {
            v.Value = protector.Read(v.Value, v.IsEncrypted);
            v.IsEncrypted = false;
        }

        return versions;
    }

    public const int MaxNameLength = 100;

    /// <summary>Field name → message for invalid details; empty when valid.</summary>
    public static Dictionary<string, string> ValidateDetails(ConnectionDetails d)
    {
        var errors = new Dictionary<string, string>();
        var name = d.Name?.Trim() ?? "";
        if (name.Length == 0) errors["Name"] = "Name is required.";
        else if (name.Length > MaxNameLength) errors["Name"] = $"Name is longer than {MaxNameLength} characters.";
        else if (name.IndexOfAny(['/', '\\', '?', '#']) >= 0 || name.Any(char.IsControl)) errors["Name"] = "Name may not contain / \\ ? # or control characters.";
        if (string.IsNullOrWhiteSpace(d.ConnectionType)) errors["ConnectionType"] = "Connection type is required.";
        if (d.Description?.Length > 2000) errors["Description"] = "Description is longer than 2000 characters.";
        if (!string.IsNullOrWhiteSpace(d.DefaultSavRole) && !SavRoles.IsKnown(d.DefaultSavRole.Trim())) errors["DefaultSavRole"] = $"'{d.DefaultSavRole}' is not one of {string.Join(", ", SavRoles.All)}.";
        return errors;
    }

    /// <summary>Creates an empty connection (no attributes yet). Field errors when refused.</summary>
    public async Task<Dictionary<string, string>> CreateAsync(ConnectionDetails d, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await CreateAsync(db, d, actor, ct);
    }

    private async Task<Dictionary<string, string>> CreateAsync(AdminPortalDbContext db, ConnectionDetails d, string actor, CancellationToken ct)
    {
        var errors = ValidateDetails(d);
        if (errors.Count > 0) return errors;
        var name = d.Name.Trim();
        if (await db.Connections.AnyAsync(c => c.Name == name, ct)) return new() { ["Name"] = $"A connection named '{name}' exists already." };
        var now = clock.GetUtcNow().UtcDateTime;
        db.Connections.Add(new Connection
        {
            Name = name,
            Description = Blank(d.Description),
            ConnectionType = d.ConnectionType.Trim(),
            DefaultSavRole = Blank(d.DefaultSavRole),
            EmailTemplate = Blank(d.EmailTemplate),
            CreatedUtc = now,
            UpdatedUtc = now,
        });
        db.AuditEvents.Add(audit.Create(actor, "connection.create", "connection", name, $"type={d.ConnectionType}"));
        await db.SaveChangesAsync(ct);
        return errors;
    }

    /// <summary>Saves name (rename), description, type, default SAV role and e-mail template.</summary>
    public async Task<Dictionary<string, string>> UpdateDetailsAsync(string currentName, ConnectionDetails d, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await UpdateDetailsAsync(db, currentName, d, actor, ct);
    }

    private async Task<Dictionary<string, string>> UpdateDetailsAsync(AdminPortalDbContext db, string currentName, ConnectionDetails d, string actor, CancellationToken ct)
    {
        var errors = ValidateDetails(d);
        if (errors.Count > 0) return errors;
        var connection = await db.Connections.SingleOrDefaultAsync(c => c.Name == currentName, ct);
        if (connection is null) return new() { ["Name"] = $"No connection named '{currentName}'." };
        var name = d.Name.Trim();
        if (name != connection.Name && await db.Connections.AnyAsync(c => c.Name == name, ct)) return new() { ["Name"] = $"A connection named '{name}' exists already." };
        var changes = new List<string>();
        void Track(string field, string? before, string? after)
        {
            if (before != after) changes.Add($"{field}: '{before}' → '{after}'");
        }

        Track("name", connection.Name, name);
        Track("description", connection.Description, Blank(d.Description));
        Track("type", connection.ConnectionType, d.ConnectionType.Trim());
        Track("defaultSavRole", connection.DefaultSavRole, Blank(d.DefaultSavRole));
        Track("emailTemplate", connection.EmailTemplate, Blank(d.EmailTemplate));
        if (changes.Count == 0) return errors;
        connection.Name = name;
        connection.Description = Blank(d.Description);
        connection.ConnectionType = d.ConnectionType.Trim();
        connection.DefaultSavRole = Blank(d.DefaultSavRole);
        connection.EmailTemplate = Blank(d.EmailTemplate);
        connection.UpdatedUtc = clock.GetUtcNow().UtcDateTime;
        db.AuditEvents.Add(audit.Create(actor, "connection.update", "connection", currentName, string.Join("; ", changes)));
        await db.SaveChangesAsync(ct);
        return errors;
    }

    /// <summary>Copies a connection with every attribute (and its target settings) under a new name; null or the reason it was refused.</summary>
    public async Task<string?> CloneAsync(string sourceName, string newName, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var source = await db.Connections.AsNoTracking().Include(c => c.Attributes).SingleOrDefaultAsync(c => c.Name == sourceName, ct);
        if (source is null) return $"No connection named '{sourceName}'.";
        var details = new ConnectionDetails(newName, source.Description, source.ConnectionType, source.DefaultSavRole, source.EmailTemplate);
        if (ValidateDetails(details).Values.FirstOrDefault() is { } invalid) return invalid;
        var name = newName.Trim();
        if (await db.Connections.AnyAsync(c => c.Name == name, ct)) return $"A connection named '{name}' exists already.";
        var now = clock.GetUtcNow().UtcDateTime;
        var clone = new Connection
        {
            Name = name,
            Description = source.Description,
            ConnectionType = source.ConnectionType,
            DefaultSavRole = source.DefaultSavRole,
            EmailTemplate = source.EmailTemplate,
            BaseUrl = source.BaseUrl,
            UrlRewritesJson = source.UrlRewritesJson,
            PackageFieldsJson = source.PackageFieldsJson,
            ConnectionJsonNeedsEntry = source.ConnectionJsonNeedsEntry,
            CreatedUtc = now,
            UpdatedUtc = now,
            Attributes = source.Attributes.Select(a => new ConnectionAttribute
            {
                Name = a.Name, Value = a.Value, IsEncrypted = a.IsEncrypted, FormData = a.FormData,
                CredentialSaveStatus = a.CredentialSaveStatus, SortOrder = a.SortOrder, UpdatedUtc = now,
            }).ToList(),
        };
        db.Connections.Add(clone);
        await db.SaveChangesAsync(ct);
        db.ConnectionAttributeVersions.AddRange(clone.Attributes.Select(a => new ConnectionAttributeVersion
        {
            ConnectionId = clone.Id, AttributeName = a.Name, Value = a.Value, IsEncrypted = a.IsEncrypted, SavedUtc = now, SavedBy = actor, Source = "clone",
        }));
        db.AuditEvents.Add(audit.Create(actor, "connection.clone", "connection", name, $"cloned from {sourceName}"));
        await db.SaveChangesAsync(ct);
        return null;
    }

    /// <summary>Everything that must hold before an edited attribute is stored: the text parses (attribute, line,
    /// position), every ${...} in its string values parses, and every string body meant as JSON (httpParams)
    /// parses once its ${...} are filled.</summary>
    public static IReadOnlyList<string> ValidateForSave(string attributeName, string? text)
    {
        if (ValidateJson(attributeName, text) is { } error) return [error];
        if (string.IsNullOrWhiteSpace(text)) return [];
        // Parsed once (with line info) for both checks below; ValidateJson has just proven it parses.
        var root = Newtonsoft.Json.Linq.JToken.Parse(text);
        var templates = TemplateSyntaxCheck.Check(attributeName, root);
        // A body whose template is broken would be reported twice (the JSON check cannot fill it): once is enough.
        var brokenPaths = templates.Select(p => p.Path).ToHashSet(StringComparer.Ordinal);
        return templates.Select(p => p.Message)
            .Concat(EmbeddedJsonCheck.Check(attributeName, root).Where(p => !brokenPaths.Contains(p.Path)).Select(p => p.Message))
            .ToList();
    }

    /// <summary>
    /// Saves an attribute as edited on the page or sent to the API: validated, and values still showing the secret
    /// mask replaced by the stored secrets at the same place (ADR-010). Nothing is written when refused.
    /// </summary>
    public async Task<AttributeSaveResult> SaveEditedAttributeAsync(string connectionName, string attributeName, string? text, string actor, string source = "edit", CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await SaveEditedAttributeAsync(db, connectionName, attributeName, text, actor, source, ct);
    }

    private async Task<AttributeSaveResult> SaveEditedAttributeAsync(AdminPortalDbContext db, string connectionName, string attributeName, string? text, string actor, string source, CancellationToken ct)
    {
        var connection = await GetDecryptedAsync(db, connectionName, ct);
        if (connection is null) return new AttributeSaveResult(false, $"No connection named '{connectionName}'.");
        var existing = connection.Attribute(attributeName);
        if (existing is null && !ConnectionAttributeNames.All.Contains(attributeName, StringComparer.Ordinal))
            return new AttributeSaveResult(false, $"'{attributeName}' is not a connection attribute (REST-CONNECTOR §1.1: {string.Join(", ", ConnectionAttributeNames.All)}).");
        attributeName = existing?.Name ?? attributeName;
        var errors = ValidateForSave(attributeName, text);
        if (errors.Count > 0) return new AttributeSaveResult(false, string.Join(Environment.NewLine, errors));
        if (SecretMasker.ContainsMask(text))
        {
            var merged = SecretMasker.MergeBack(attributeName, text, existing?.Value);
            if (!merged.Succeeded) return new AttributeSaveResult(false, string.Join(Environment.NewLine, merged.Errors));
            text = merged.Text;
        }

        return await SaveAttributeAsync(db, connectionName, attributeName, text, actor, source, ct);
    }

    /// <summary>The clear value of one attribute, for an administrator who clicked Reveal; audited with who, when and which attribute.</summary>
    public async Task<string?> RevealAsync(string connectionName, string attributeName, string actor, CancellationToken ct = default)
    {
        var connection = await GetDecryptedAsync(connectionName, ct) ?? throw new KeyNotFoundException($"No connection named '{connectionName}'.");
        var value = connection.Attribute(attributeName)?.Value;
        await audit.WriteAsync(actor, "connection.secret.reveal", "connection", connectionName, $"{attributeName}: {SecretMasker.MaskSecrets(value).Count} secret value(s) shown", ct);
        return value;
    }

    public async Task<List<string>> EmailTemplateNamesAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.EmailTemplates.AsNoTracking().OrderBy(t => t.Name).Select(t => t.Name).ToListAsync(ct);
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>Deletes a connection unless a security system uses it.</summary>
    public async Task<string?> DeleteAsync(string name, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var connection = await db.Connections.SingleOrDefaultAsync(c => c.Name == name, ct);
        if (connection is null) return $"No connection named '{name}'.";
        var users = await db.SecuritySystems.Where(s => s.ImportConnectionId == connection.Id || s.ProvisioningConnectionId == connection.Id)
            .Select(s => s.Name).ToListAsync(ct);
        if (users.Count > 0) return $"Connection '{name}' is used by security system(s) {string.Join(", ", users)}; change them first.";
        db.Connections.Remove(connection);
        db.AuditEvents.Add(audit.Create(actor, "connection.delete", "connection", name));
        await db.SaveChangesAsync(ct);
        return null;
    }

    /// <summary>
    /// Replaces @@X@@ / @X@ placeholders in every clear attribute (and ConnectionJSON) with the values given
    /// once per placeholder; values inside JSON strings are JSON-escaped. Returns the placeholders still unfilled.
    /// </summary>
    public async Task<IReadOnlyList<string>> FillPlaceholdersAsync(string connectionName, IReadOnlyDictionary<string, string> values, string actor, CancellationToken ct = default)
    {
        var connection = await GetDecryptedAsync(connectionName, ct) ?? throw new KeyNotFoundException($"No connection named '{connectionName}'.");
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var attribute in connection.Attributes.Where(a => !string.IsNullOrEmpty(a.Value)))
        {
            var result = PlaceholderScanner.Substitute(attribute.Value!, values);
            foreach (var m in result.Missing) missing.Add(m);
            if (result.Replaced.Count > 0)
            {
                var saved = await SaveAttributeAsync(connectionName, attribute.Name, result.Text, actor, "placeholder", ct);
                if (!saved.Saved) throw new InvalidOperationException(saved.Error);
            }
        }

        return missing.ToList();
    }

    /// <summary>Base URL for relative call URLs and the ordered prefix rewrites ([{"from","to"}]) of a connection.</summary>
    /// <summary>Null when the base URL is absolute (or empty) and the rewrites are a JSON array of {from, to}; else why not.</summary>
    public static string? ValidateTargetSettings(string? baseUrl, string? rewritesJson)
    {
        if (!string.IsNullOrWhiteSpace(baseUrl) && !Uri.TryCreate(baseUrl, UriKind.Absolute, out _)) return $"Base URL '{baseUrl}' is not an absolute URL.";
        if (!string.IsNullOrWhiteSpace(rewritesJson))
        {
            try
            {
                var rows = Newtonsoft.Json.JsonConvert.DeserializeObject<List<Dictionary<string, string>>>(rewritesJson) ?? [];
                if (rows.Any(r => !r.TryGetValue("from", out var f) || string.IsNullOrWhiteSpace(f) || !r.ContainsKey("to")))
                    return "URL rewrites: every row needs \"from\" and \"to\".";
            }
            catch (Newtonsoft.Json.JsonException e)
            {
                return $"URL rewrites are not a JSON array of {{from, to}}: {e.Message}";
            }
        }

        return null;
    }

    public async Task<string?> SaveTargetSettingsAsync(string connectionName, string? baseUrl, string? rewritesJson, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await SaveTargetSettingsAsync(db, connectionName, baseUrl, rewritesJson, actor, ct);
    }

    private async Task<string?> SaveTargetSettingsAsync(AdminPortalDbContext db, string connectionName, string? baseUrl, string? rewritesJson, string actor, CancellationToken ct)
    {
        if (ValidateTargetSettings(baseUrl, rewritesJson) is { } invalid) return invalid;
        var connection = await db.Connections.SingleOrDefaultAsync(c => c.Name == connectionName, ct);
        if (connection is null) return $"No connection named '{connectionName}'.";
        connection.BaseUrl = string.IsNullOrWhiteSpace(baseUrl) ? null : baseUrl.Trim();
        connection.UrlRewritesJson = string.IsNullOrWhiteSpace(rewritesJson) ? null : rewritesJson;
        connection.UpdatedUtc = clock.GetUtcNow().UtcDateTime;
        db.AuditEvents.Add(audit.Create(actor, "connection.target", "connection", connectionName, $"baseUrl={connection.BaseUrl} rewrites={connection.UrlRewritesJson}"));
        await db.SaveChangesAsync(ct);
        return null;
    }

    /// <summary>
    /// Creates the connection named <paramref name="name"/> or updates it — details (including a rename), edited
    /// attributes and, when <see cref="ConnectionChange.TargetGiven"/>, base URL and rewrites — in one transaction:
    /// either all of it is stored, with its history versions and audit events, or nothing is.
    /// </summary>
    public async Task<ConnectionApplyResult> ApplyAsync(string name, ConnectionChange change, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var created = !await db.Connections.AnyAsync(c => c.Name == name, ct);
        try
        {
            return await ApplyAsync(db, transaction, created, name, change, actor, ct);
        }
        catch (DbUpdateException e)
        {
            // The transaction is rolled back when disposed: the request stored nothing.
            return new ConnectionApplyResult(created, [$"Nothing was stored: the database refused the change ({(e.InnerException ?? e).Message})."], StoreFailed: true);
        }
    }

    private async Task<ConnectionApplyResult> ApplyAsync(AdminPortalDbContext db, Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction, bool created,
        string name, ConnectionChange change, string actor, CancellationToken ct)
    {
        var detailErrors = created ? await CreateAsync(db, change.Details, actor, ct) : await UpdateDetailsAsync(db, name, change.Details, actor, ct);
        if (detailErrors.Count > 0) return new ConnectionApplyResult(created, detailErrors.Select(e => $"{e.Key}: {e.Value}").ToList());
        var current = change.Details.Name.Trim();
        foreach (var (attributeName, text) in change.Attributes)
        {
            var saved = await SaveEditedAttributeAsync(db, current, attributeName, text, actor, "api", ct);
            if (!saved.Saved) return new ConnectionApplyResult(created, [saved.Error!]);
        }

        if (change.TargetGiven && await SaveTargetSettingsAsync(db, current, change.BaseUrl, change.RewritesJson, actor, ct) is { } targetError)
            return new ConnectionApplyResult(created, [targetError]);
        await transaction.CommitAsync(ct);
        return new ConnectionApplyResult(created, []);
    }
}

/// <summary>Everything one API request changes on a connection (see <see cref="ConnectionService.ApplyAsync"/>).</summary>
public sealed record ConnectionChange(ConnectionDetails Details, IReadOnlyList<(string Name, string? Text)> Attributes, bool TargetGiven, string? BaseUrl, string? RewritesJson);

/// <summary>Whether <see cref="ConnectionService.ApplyAsync"/> created the connection, and why it refused (nothing stored then);
/// <paramref name="StoreFailed"/> when the input was valid but the database refused the write.</summary>
public sealed record ConnectionApplyResult(bool Created, IReadOnlyList<string> Errors, bool StoreFailed = false);
