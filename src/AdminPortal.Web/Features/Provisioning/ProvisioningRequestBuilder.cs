using System.Globalization;
using AdminPortal.Core.Connectors.Provisioning;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json;

namespace AdminPortal.Web.Features.Provisioning;

/// <summary>
/// Builds the engine's <see cref="ProvisioningRequest"/> for a task from the database (REST-CONNECTOR.md §6.5
/// binding variables): user with custom properties, manager and the manager's account on the endpoint, the
/// account, the entitlement value and its type, the endpoint and its account-name rule, and the request's
/// attributes, justification and approvers.
/// </summary>
public static class ProvisioningRequestBuilder
{
    public static async Task<ProvisioningRequest> BuildAsync(AdminPortalDbContext db, ProvisioningTask task, Account? account, CancellationToken ct)
    {
        var endpoint = await db.Endpoints.AsNoTracking().SingleAsync(e => e.Id == task.EndpointId, ct);
        var userId = task.UserId ?? account?.OwnerUserId;
        var user = userId is null ? null : await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, ct);
        var manager = user?.ManagerId is null ? null : await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == user.ManagerId, ct);
        var managerAccount = manager is null ? null : await db.Accounts.AsNoTracking()
            .Where(a => a.EndpointId == endpoint.Id && a.OwnerUserId == manager.Id).OrderBy(a => a.Id).FirstOrDefaultAsync(ct);
        var value = task.EntitlementValueId is null ? null : await db.EntitlementValues.AsNoTracking().Include(v => v.EntitlementType)
            .SingleOrDefaultAsync(v => v.Id == task.EntitlementValueId, ct);
        var request = task.AccessRequestId is null ? null : await db.AccessRequests.AsNoTracking().SingleOrDefaultAsync(r => r.Id == task.AccessRequestId, ct);
        var approvers = new List<IReadOnlyDictionary<string, object?>>();
        if (request?.DecidedById is { } deciderId && await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == deciderId, ct) is { } decider)
            approvers.Add(UserMap(decider, null));

        var link = account is null || value is null ? null : await db.AccountEntitlements.AsNoTracking()
            .SingleOrDefaultAsync(l => l.AccountId == account.Id && l.EntitlementValueId == value.Id, ct);
        var payload = Payload(task.PayloadJson);
        var attributes = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in Payload(request?.AttributesJson)) attributes[k] = v;
        foreach (var (k, v) in payload.Where(p => !string.Equals(p.Key, "password", StringComparison.OrdinalIgnoreCase))) attributes[k] = v;

        return new ProvisioningRequest
        {
            Operation = task.Type,
            TaskId = task.Id,
            RequestId = task.AccessRequestId,
            User = user is null ? new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) : UserMap(user, manager),
            UserManager = manager is null ? null : UserMap(manager, null),
            ManagerAccount = managerAccount is null ? null : AccountMap(managerAccount),
            Account = account is null ? null : AccountMap(account),
            EntitlementValue = value is null ? null : EntitlementMap(value),
            EntitlementTypeName = value?.EntitlementType?.Name,
            Endpoint = EndpointMap(endpoint),
            AccountNameRule = string.IsNullOrWhiteSpace(endpoint.AccountNameRule) ? null : endpoint.AccountNameRule,
            AccountName = account?.Name,
            Password = payload.GetValueOrDefault("password"),
            BusinessJustification = request?.BusinessJustification,
            RequestAttributes = attributes,
            Approvers = approvers,
            TaskAttributes = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
            {
                ["source"] = task.AccessRequestId is null ? "MANUAL" : "REQUEST",
                ["provisioningcomments"] = task.Comment ?? request?.DecisionComment,
            },
            AccountEntitlement = link is null ? null : new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
            {
                ["accountkey"] = link.AccountId.ToString(CultureInfo.InvariantCulture),
                ["entitlementvaluekey"] = link.EntitlementValueId.ToString(CultureInfo.InvariantCulture),
                ["status"] = link.Status.ToString(),
            },
        };
    }

    public static Dictionary<string, string?> Payload(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        try
        {
            var parsed = JsonConvert.DeserializeObject<Dictionary<string, string?>>(json) ?? [];
            return new Dictionary<string, string?>(parsed, StringComparer.OrdinalIgnoreCase);
        }
        catch (JsonException)
        {
            return new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        }
    }

    public static Dictionary<string, object?> UserMap(AppUser u, AppUser? manager)
    {
        var map = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["userkey"] = u.Id.ToString(CultureInfo.InvariantCulture),
            ["username"] = u.Username,
            ["systemUserName"] = u.Username,
            ["firstname"] = u.FirstName,
            ["lastname"] = u.LastName,
            ["displayname"] = u.DisplayName,
            ["email"] = u.Email,
            ["statuskey"] = u.Status == UserStatus.Active ? "1" : "0",
            ["manager"] = manager?.Username,
        };
        for (var i = 1; i <= AppUser.CustomPropertyCount; i++) map[$"customproperty{i}"] = typeof(AppUser).GetProperty($"CustomProperty{i}")?.GetValue(u) as string;
        return map;
    }

    public static Dictionary<string, object?> AccountMap(Account a)
    {
        var map = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in Payload(a.ExtraPropertiesJson)) map[k] = v;
        map["accountID"] = a.AccountId;
        map["accountkey"] = a.Id.ToString(CultureInfo.InvariantCulture);
        map["name"] = a.Name;
        map["displayName"] = a.DisplayName;
        map["description"] = a.Description;
        map["accounttype"] = a.AccountType;
        map["status"] = a.Status.ToString();
        for (var i = 1; i <= Account.CustomPropertyCount; i++) map[$"customproperty{i}"] = typeof(Account).GetProperty($"CustomProperty{i}")!.GetValue(a) as string;
        return map;
    }

    public static Dictionary<string, object?> EntitlementMap(EntitlementValue v)
    {
        var map = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["entitlementID"] = v.EntitlementId,
            ["entitlement_value"] = v.Value,
            ["entitlementvaluekey"] = v.Id.ToString(CultureInfo.InvariantCulture),
            ["displayname"] = v.DisplayName,
            ["description"] = v.Description,
            ["entitlementtype"] = v.EntitlementType?.Name,
        };
        for (var i = 1; i <= EntitlementValue.CustomPropertyCount; i++) map[$"customproperty{i}"] = typeof(EntitlementValue).GetProperty($"CustomProperty{i}")!.GetValue(v) as string;
        return map;
    }

    public static Dictionary<string, object?> EndpointMap(Core.Domain.Endpoint e) => new(StringComparer.OrdinalIgnoreCase)
    {
        ["endpointname"] = e.Name,
        ["endpointkey"] = e.Id.ToString(CultureInfo.InvariantCulture),
        ["displayName"] = e.DisplayName ?? e.Name,
        ["description"] = e.Description,
    };
}
