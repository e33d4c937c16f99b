using AdminPortal.Core.Domain;
using AdminPortal.Core.Transport;
using AdminPortal.Data;
using AdminPortal.Web.Features.Audit;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Web.Features.Connections;

public sealed record ConnectionSummary(int Id, string Name, string? Description, string ConnectionType, bool ConnectionJsonNeedsEntry, int PlaceholderCount, DateTime UpdatedUtc);

public sealed record AttributeSaveResult(bool Saved, string? Error);

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
        var error = ValidateJson(attributeName, text);
        if (error is not null) return new AttributeSaveResult(false, error);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
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
    public async Task<string?> SaveTargetSettingsAsync(string connectionName, string? baseUrl, string? rewritesJson, string actor, CancellationToken ct = default)
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

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var connection = await db.Connections.SingleOrDefaultAsync(c => c.Name == connectionName, ct);
        if (connection is null) return $"No connection named '{connectionName}'.";
        connection.BaseUrl = string.IsNullOrWhiteSpace(baseUrl) ? null : baseUrl.Trim();
        connection.UrlRewritesJson = string.IsNullOrWhiteSpace(rewritesJson) ? null : rewritesJson;
        connection.UpdatedUtc = clock.GetUtcNow().UtcDateTime;
        db.AuditEvents.Add(audit.Create(actor, "connection.target", "connection", connectionName, $"baseUrl={connection.BaseUrl} rewrites={connection.UrlRewritesJson}"));
        await db.SaveChangesAsync(ct);
        return null;
    }
}
