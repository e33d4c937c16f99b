using AdminPortal.Core.Domain;
using AdminPortal.Core.Transport;
using AdminPortal.Data;
using AdminPortal.Web.Features.Audit;
using AdminPortal.Web.Features.Connections;
using Microsoft.EntityFrameworkCore;
using Endpoint = AdminPortal.Core.Domain.Endpoint;

namespace AdminPortal.Web.Features.SecuritySystems;

public sealed record SecuritySystemEdit(string Name, string? DisplayName, string? Description, string? ImportConnection, string? ProvisioningConnection, bool InstantProvisioning);

public sealed record EntitlementTypeEdit(string Name, int Order, string? Labels);

public sealed record EndpointEdit(string Name, string? DisplayName, string? Description, string SecuritySystem, string? Owner, string? AccountNameRule,
    string? CorrelationRule, ApproverMode ApproverMode, string? ApproverUsernames, IReadOnlyList<EntitlementTypeEdit> EntitlementTypes);

public sealed record ChecklistItem(string Text, bool Done, string? Hint);

/// <summary>Security systems and their endpoints: validation, save, delete guards, setup checklist.</summary>
public class SecuritySystemService(IDbContextFactory<AdminPortalDbContext> dbFactory, AttributeProtector protector, AuditService audit, TimeProvider clock)
{
    public async Task<List<SecuritySystem>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.SecuritySystems.AsNoTracking().Include(s => s.ImportConnection).Include(s => s.ProvisioningConnection)
            .Include(s => s.Endpoints).OrderBy(s => s.Name).ToListAsync(ct);
    }

    public async Task<SecuritySystem?> GetAsync(string name, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.SecuritySystems.AsNoTracking().Include(s => s.ImportConnection).Include(s => s.ProvisioningConnection)
            .Include(s => s.Endpoints).ThenInclude(e => e.EntitlementTypes).SingleOrDefaultAsync(s => s.Name == name, ct);
    }

    public async Task<List<Endpoint>> ListEndpointsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Endpoints.AsNoTracking().Include(e => e.SecuritySystem).Include(e => e.Owner).Include(e => e.EntitlementTypes)
            .OrderBy(e => e.Name).ToListAsync(ct);
    }

    public async Task<Endpoint?> GetEndpointAsync(string name, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Endpoints.AsNoTracking().Include(e => e.SecuritySystem).Include(e => e.Owner).Include(e => e.EntitlementTypes)
            .SingleOrDefaultAsync(e => e.Name == name, ct);
    }

    internal static void CheckName(Dictionary<string, string> errors, string field, string? value, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required) errors[field] = $"{field} is required.";
            return;
        }

        if (value.Length > 100) errors[field] = $"{field} is longer than 100 characters.";
        else if (value.Any(char.IsControl)) errors[field] = $"{field} contains control characters.";
    }

    public async Task<Dictionary<string, string>> SaveAsync(int? id, SecuritySystemEdit edit, string actor, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string>();
        CheckName(errors, "Name", edit.Name);
        CheckName(errors, "DisplayName", edit.DisplayName, required: false);
        if (edit.Description?.Length > 2000) errors["Description"] = "Description is longer than 2000 characters.";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var name = edit.Name?.Trim() ?? "";
        if (errors.Count == 0 && await db.SecuritySystems.AnyAsync(s => s.Name == name && s.Id != (id ?? 0), ct))
            errors["Name"] = $"A security system named '{name}' already exists.";
        int? Connection(string field, string? connectionName)
        {
            if (string.IsNullOrWhiteSpace(connectionName)) return null;
            var found = db.Connections.Where(c => c.Name == connectionName).Select(c => (int?)c.Id).FirstOrDefault();
            if (found is null) errors[field] = $"No connection named '{connectionName}'.";
            return found;
        }

        var importId = Connection("ImportConnection", edit.ImportConnection);
        var provisioningId = Connection("ProvisioningConnection", edit.ProvisioningConnection);
        if (errors.Count > 0) return errors;

        var now = clock.GetUtcNow().UtcDateTime;
        var system = id is null ? new SecuritySystem { Name = name, CreatedUtc = now } : await db.SecuritySystems.SingleAsync(s => s.Id == id, ct);
        if (id is null) db.SecuritySystems.Add(system);
        system.Name = name;
        system.DisplayName = edit.DisplayName?.Trim();
        system.Description = edit.Description;
        system.ImportConnectionId = importId;
        system.ProvisioningConnectionId = provisioningId;
        system.InstantProvisioning = edit.InstantProvisioning;
        system.UpdatedUtc = now;
        db.AuditEvents.Add(audit.Create(actor, id is null ? "securitysystem.create" : "securitysystem.update", "securitysystem", name,
            $"import={edit.ImportConnection} provisioning={edit.ProvisioningConnection} instant={edit.InstantProvisioning}"));
        await db.SaveChangesAsync(ct);
        return errors;
    }

    public async Task<string?> DeleteAsync(string name, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var system = await db.SecuritySystems.Include(s => s.Endpoints).SingleOrDefaultAsync(s => s.Name == name, ct);
        if (system is null) return $"No security system named '{name}'.";
        if (system.Endpoints.Count > 0) return $"Security system '{name}' still has endpoint(s) {string.Join(", ", system.Endpoints.Select(e => e.Name))}; delete them first.";
        db.SecuritySystems.Remove(system);
        db.AuditEvents.Add(audit.Create(actor, "securitysystem.delete", "securitysystem", name));
        await db.SaveChangesAsync(ct);
        return null;
    }

    public async Task<Dictionary<string, string>> SaveEndpointAsync(int? id, EndpointEdit edit, string actor, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string>();
        CheckName(errors, "Name", edit.Name);
        CheckName(errors, "DisplayName", edit.DisplayName, required: false);
        if (edit.AccountNameRule is { Length: > 0 } rule && !BracesBalanced(rule))
            errors["AccountNameRule"] = "The account-name rule has an unbalanced ${...}.";
        if (edit.CorrelationRule is { Length: > 0 } correlation && !CorrelationRules.TryParse(correlation, out _, out var why))
            errors["CorrelationRule"] = why!;
        var typeNames = edit.EntitlementTypes.Select(t => t.Name.Trim()).ToList();
        if (typeNames.Any(string.IsNullOrWhiteSpace)) errors["EntitlementTypes"] = "Every entitlement type needs a name.";
        else if (typeNames.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } dup)
            errors["EntitlementTypes"] = $"Entitlement type '{dup.Key}' is listed twice.";
        foreach (var t in edit.EntitlementTypes.Where(t => !string.IsNullOrWhiteSpace(t.Labels)))
        {
            try
            {
                Newtonsoft.Json.JsonConvert.DeserializeObject<Dictionary<string, string>>(t.Labels!);
            }
            catch (Newtonsoft.Json.JsonException e)
            {
                errors["EntitlementTypes"] = $"Labels of '{t.Name}' are not a JSON object of column → label: {e.Message}";
            }
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var name = edit.Name?.Trim() ?? "";
        if (!errors.ContainsKey("Name") && await db.Endpoints.AnyAsync(e => e.Name == name && e.Id != (id ?? 0), ct))
            errors["Name"] = $"An endpoint named '{name}' already exists.";
        var system = await db.SecuritySystems.SingleOrDefaultAsync(s => s.Name == edit.SecuritySystem, ct);
        if (system is null) errors["SecuritySystem"] = $"No security system named '{edit.SecuritySystem}'.";
        int? ownerId = null;
        if (!string.IsNullOrWhiteSpace(edit.Owner))
        {
            ownerId = await db.Users.Where(u => u.Username == edit.Owner).Select(u => (int?)u.Id).FirstOrDefaultAsync(ct);
            if (ownerId is null) errors["Owner"] = $"No user named '{edit.Owner}'.";
        }

        if (errors.Count > 0) return errors;
        var now = clock.GetUtcNow().UtcDateTime;
        var endpoint = id is null ? new Endpoint { Name = name, CreatedUtc = now } : await db.Endpoints.Include(e => e.EntitlementTypes).SingleAsync(e => e.Id == id, ct);
        if (id is null) db.Endpoints.Add(endpoint);
        endpoint.Name = name;
        endpoint.DisplayName = edit.DisplayName?.Trim();
        endpoint.Description = edit.Description;
        endpoint.SecuritySystemId = system!.Id;
        endpoint.OwnerUserId = ownerId;
        endpoint.AccountNameRule = edit.AccountNameRule;
        endpoint.CorrelationRule = edit.CorrelationRule;
        endpoint.ApproverMode = edit.ApproverMode;
        endpoint.ApproverUsernames = edit.ApproverUsernames;
        endpoint.UpdatedUtc = now;
        var removed = endpoint.EntitlementTypes.Where(t => !typeNames.Contains(t.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        if (removed.Count > 0 && id is not null)
        {
            var removedIds = removed.Select(r => r.Id).ToList();
            if (await db.EntitlementValues.AnyAsync(v => removedIds.Contains(v.EntitlementTypeId), ct))
                return new() { ["EntitlementTypes"] = $"Entitlement type(s) {string.Join(", ", removed.Select(r => r.Name))} still hold imported values; they cannot be removed." };
        }

        foreach (var r in removed) endpoint.EntitlementTypes.Remove(r);
        foreach (var t in edit.EntitlementTypes)
        {
            var type = endpoint.EntitlementTypes.FirstOrDefault(x => string.Equals(x.Name, t.Name.Trim(), StringComparison.OrdinalIgnoreCase));
            if (type is null)
            {
                type = new EntitlementType { Name = t.Name.Trim() };
                endpoint.EntitlementTypes.Add(type);
            }

            type.DisplayOrder = t.Order;
            type.CustomPropertyLabelsJson = string.IsNullOrWhiteSpace(t.Labels) ? null : t.Labels;
        }

        db.AuditEvents.Add(audit.Create(actor, id is null ? "endpoint.create" : "endpoint.update", "endpoint", name,
            $"system={edit.SecuritySystem} types={string.Join(',', typeNames)}"));
        await db.SaveChangesAsync(ct);
        return errors;
    }

    /// <summary>Deletes an endpoint; when accounts exist the caller must confirm the cascade.</summary>
    public async Task<string?> DeleteEndpointAsync(string name, bool confirmCascade, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var endpoint = await db.Endpoints.SingleOrDefaultAsync(e => e.Name == name, ct);
        if (endpoint is null) return $"No endpoint named '{name}'.";
        var accounts = await db.Accounts.CountAsync(a => a.EndpointId == endpoint.Id, ct);
        if (accounts > 0 && !confirmCascade)
            return $"Endpoint '{name}' holds {accounts} account(s); confirm to delete them with their entitlements.";
        if (await db.ProvisioningTasks.AnyAsync(t => t.EndpointId == endpoint.Id, ct) || await db.AccessRequests.AnyAsync(r => r.EndpointId == endpoint.Id, ct))
            return $"Endpoint '{name}' has provisioning tasks or access requests; it is kept for their history.";
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await db.AccountEntitlements.Where(l => db.Accounts.Any(a => a.Id == l.AccountId && a.EndpointId == endpoint.Id)).ExecuteDeleteAsync(ct);
        await db.Accounts.Where(a => a.EndpointId == endpoint.Id).ExecuteDeleteAsync(ct);
        await db.EntitlementValues.Where(v => v.EndpointId == endpoint.Id).ExecuteDeleteAsync(ct);
        db.Endpoints.Remove(endpoint);
        db.AuditEvents.Add(audit.Create(actor, "endpoint.delete", "endpoint", name, $"accounts={accounts}"));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return null;
    }

    /// <summary>What is missing before imports can run on this security system.</summary>
    public async Task<List<ChecklistItem>> ChecklistAsync(string name, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var system = await db.SecuritySystems.AsNoTracking().Include(s => s.Endpoints).SingleOrDefaultAsync(s => s.Name == name, ct);
        if (system is null) return [];
        var items = new List<ChecklistItem> { new("Connection for import chosen", system.ImportConnectionId is not null, "Edit the security system and pick a connection.") };
        var connection = system.ImportConnectionId is null ? null
            : await db.Connections.AsNoTracking().Include(c => c.Attributes).SingleAsync(c => c.Id == system.ImportConnectionId, ct);
        var connectionJson = connection?.Attribute(ConnectionAttributeNames.ConnectionJson) is { } cj ? protector.Read(cj) : null;
        items.Add(new("ConnectionJSON entered", connection is not null && !connection.ConnectionJsonNeedsEntry && !string.IsNullOrWhiteSpace(connectionJson),
            connection is null ? null : $"Open connection '{connection.Name}' and enter ConnectionJSON."));
        var placeholders = connection?.Attributes.Where(a => !a.IsEncrypted).SelectMany(a => PlaceholderScanner.Find(a.Value ?? "")).Select(p => p.Token).Distinct().ToList() ?? [];
        if (connectionJson is not null) placeholders.AddRange(PlaceholderScanner.Find(connectionJson).Select(p => p.Token).Distinct());
        items.Add(new("Placeholders filled", connection is not null && placeholders.Count == 0,
            placeholders.Count == 0 ? null : $"Still unfilled: {string.Join(", ", placeholders.Distinct())}."));
        items.Add(new("ImportAccountEntJSON present", !string.IsNullOrWhiteSpace(connection?.Attribute(ConnectionAttributeNames.ImportAccountEntJson)?.Value),
            "The connection has no ImportAccountEntJSON: nothing to import."));
        items.Add(new("Connection for provisioning chosen", system.ProvisioningConnectionId is not null, "Needed only to provision."));
        items.Add(new("At least one endpoint", system.Endpoints.Count > 0, "Create an endpoint for this security system."));
        return items;
    }

    private static bool BracesBalanced(string text)
    {
        var depth = 0;
        foreach (var c in text)
        {
            if (c == '{') depth++;
            else if (c == '}' && --depth < 0) return false;
        }

        return depth == 0;
    }
}
