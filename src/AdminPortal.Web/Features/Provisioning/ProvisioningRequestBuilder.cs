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
/// attributes, justification and approvers. A WSRETRY batch loads the inputs of all its tasks at once
/// (<see cref="LoadAsync"/>, a fixed handful of queries whatever the batch size), then builds each task's request
/// from memory. The task's payload is decrypted here and nowhere else.
/// </summary>
public sealed class ProvisioningRequestBuilder(TaskPayloadProtector payloads)
{
    /// <summary>One task's request (loads its inputs, then builds).</summary>
    public async Task<ProvisioningRequest> BuildAsync(AdminPortalDbContext db, ProvisioningTask task, Account? account, CancellationToken ct) =>
        Build(await LoadAsync(db, [(task, account)], ct), task, account);

    /// <summary>Everything the requests of <paramref name="tasks"/> need, in one query per kind of row (endpoints come with their security system).</summary>
    public static async Task<ProvisioningInputs> LoadAsync(AdminPortalDbContext db, IReadOnlyCollection<(ProvisioningTask Task, Account? Account)> tasks, CancellationToken ct)
    {
        var endpointIds = tasks.Select(t => t.Task.EndpointId).Distinct().ToList();
        var endpoints = await db.Endpoints.AsNoTracking().Include(e => e.SecuritySystem).Where(e => endpointIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        var requestIds = tasks.Select(t => t.Task.AccessRequestId).OfType<long>().Distinct().ToList();
        var requests = await db.AccessRequests.AsNoTracking().Where(r => requestIds.Contains(r.Id)).ToDictionaryAsync(r => r.Id, ct);
        var valueIds = tasks.Select(t => t.Task.EntitlementValueId).OfType<long>().Distinct().ToList();
        var values = await db.EntitlementValues.AsNoTracking().Include(v => v.EntitlementType).Where(v => valueIds.Contains(v.Id)).ToDictionaryAsync(v => v.Id, ct);

        var userIds = tasks.Select(t => t.Task.UserId ?? t.Account?.OwnerUserId).OfType<int>().Distinct().ToList();
        var users = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, ct);
        var moreIds = users.Values.Select(u => u.ManagerId).OfType<int>().Concat(requests.Values.Select(r => r.DecidedById).OfType<int>())
            .Where(id => !users.ContainsKey(id)).Distinct().ToList();
        if (moreIds.Count > 0)
            foreach (var u in await db.Users.AsNoTracking().Where(u => moreIds.Contains(u.Id)).ToListAsync(ct)) users[u.Id] = u;

        // the manager's first account on the task's endpoint
        var managerIds = users.Values.Select(u => u.ManagerId).OfType<int>().Distinct().ToList();
        var managerAccounts = new Dictionary<(int EndpointId, int OwnerId), Account>();
        if (managerIds.Count > 0)
        {
            foreach (var a in await db.Accounts.AsNoTracking().Where(a => endpointIds.Contains(a.EndpointId) && a.OwnerUserId != null && managerIds.Contains(a.OwnerUserId.Value))
                         .OrderBy(a => a.Id).ToListAsync(ct))
                managerAccounts.TryAdd((a.EndpointId, a.OwnerUserId!.Value), a);
        }

        var accountIds = tasks.Where(t => t.Account is not null && t.Task.EntitlementValueId is not null).Select(t => t.Account!.Id).Distinct().ToList();
        var links = accountIds.Count == 0 || valueIds.Count == 0 ? []
            : await db.AccountEntitlements.AsNoTracking().Where(l => accountIds.Contains(l.AccountId) && valueIds.Contains(l.EntitlementValueId))
                .ToDictionaryAsync(l => (l.AccountId, l.EntitlementValueId), ct);
        return new ProvisioningInputs(endpoints, users, managerAccounts, values, requests, links);
    }

    /// <summary>The task's request from inputs loaded by <see cref="LoadAsync"/> (which must cover the task).</summary>
    public ProvisioningRequest Build(ProvisioningInputs inputs, ProvisioningTask task, Account? account)
    {
        var endpoint = inputs.Endpoints[task.EndpointId];
        var userId = task.UserId ?? account?.OwnerUserId;
        var user = userId is { } uid ? inputs.Users.GetValueOrDefault(uid) : null;
        var manager = user?.ManagerId is { } mid ? inputs.Users.GetValueOrDefault(mid) : null;
        var managerAccount = manager is null ? null : inputs.ManagerAccounts.GetValueOrDefault((endpoint.Id, manager.Id));
        var value = task.EntitlementValueId is { } vid ? inputs.Values.GetValueOrDefault(vid) : null;
        var request = task.AccessRequestId is { } rid ? inputs.Requests.GetValueOrDefault(rid) : null;
        var approvers = new List<IReadOnlyDictionary<string, object?>>();
        if (request?.DecidedById is { } deciderId && inputs.Users.GetValueOrDefault(deciderId) is { } decider)
            approvers.Add(UserMap(decider, null));

        var link = account is null || value is null ? null : inputs.Links.GetValueOrDefault((account.Id, value.Id));
        var payload = Payload(payloads.Unprotect(task.PayloadJson));
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

/// <summary>The rows the requests of a batch of tasks are built from (<see cref="ProvisioningRequestBuilder.LoadAsync"/>).</summary>
public sealed record ProvisioningInputs(
    IReadOnlyDictionary<int, Core.Domain.Endpoint> Endpoints,
    IReadOnlyDictionary<int, AppUser> Users,
    IReadOnlyDictionary<(int EndpointId, int OwnerId), Account> ManagerAccounts,
    IReadOnlyDictionary<long, EntitlementValue> Values,
    IReadOnlyDictionary<long, AccessRequest> Requests,
    IReadOnlyDictionary<(long AccountId, long EntitlementValueId), AccountEntitlement> Links);
