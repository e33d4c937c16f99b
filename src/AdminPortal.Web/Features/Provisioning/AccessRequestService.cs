using System.Globalization;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Web.Features.Audit;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Web.Features.Provisioning;

/// <summary>What a requester submits (page and API).</summary>
public sealed record NewAccessRequest(
    string Endpoint,
    string? For,
    bool NewAccount,
    IReadOnlyList<long>? EntitlementValueIds,
    string? BusinessJustification,
    IReadOnlyDictionary<string, string?>? Attributes);

public sealed record RequestAttributeDefinition(string Name, string Label, bool Required);

public sealed record RequestableEndpoint(int Id, string Name, string? DisplayName, ApproverMode ApproverMode, IReadOnlyList<RequestAttributeDefinition> Attributes);

public sealed record RequestableEntitlement(long Id, string Type, string EntitlementId, string Value, string? DisplayName);

public sealed record RequestItemView(long? EntitlementValueId, string? Type, string? Value, string Action);

public sealed record RequestHistoryEntry(DateTime Utc, string Actor, string Action, string? Details);

public sealed record RequestView(
    long Id, string Requester, string Beneficiary, string Endpoint, AccessRequestKind Kind, AccessRequestStatus Status, string? BusinessJustification,
    IReadOnlyDictionary<string, string?> Attributes, IReadOnlyList<string> Approvers, string? DecidedBy, string? DecisionComment, DateTime CreatedUtc, DateTime? DecidedUtc,
    IReadOnlyList<RequestItemView> Items, IReadOnlyList<TaskRow> Tasks, IReadOnlyList<RequestHistoryEntry> History, bool CanDecide);

/// <summary>
/// Access requests: submit (for oneself, or as manager/administrator for someone else), approve or reject per the
/// endpoint's ApproverMode, and create the provisioning tasks of an approved request. Every read and action is
/// checked here, so the pages and the API cannot show or do more than <see cref="AccessRequestRules"/> allow.
/// </summary>
public sealed class AccessRequestService(
    IDbContextFactory<AdminPortalDbContext> dbFactory,
    ProvisioningTaskService tasks,
    EmailService email,
    AuditService audit,
    TimeProvider clock)
{
    public const int MaxJustificationLength = 2000;

    public async Task<List<RequestableEndpoint>> EndpointsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var endpoints = await db.Endpoints.AsNoTracking().Where(e => e.SecuritySystem!.ProvisioningConnectionId != null).OrderBy(e => e.Name).ToListAsync(ct);
        return endpoints.Select(e => new RequestableEndpoint(e.Id, e.Name, e.DisplayName, e.ApproverMode, ParseAttributes(e.RequestAttributesJson))).ToList();
    }

    /// <summary>Active values of requestable types on the endpoint, matching the text (value, id or display name).</summary>
    public async Task<List<RequestableEntitlement>> SearchEntitlementsAsync(int endpointId, string? text, int take = 50, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.EntitlementValues.AsNoTracking().Where(v => v.EndpointId == endpointId && v.Status == EntitlementStatus.Active && v.EntitlementType!.Requestable);
        if (!string.IsNullOrWhiteSpace(text))
        {
            var t = text.Trim().ToLower(CultureInfo.InvariantCulture);
            q = q.Where(v => v.Value.ToLower().Contains(t) || v.EntitlementId.ToLower().Contains(t) || (v.DisplayName != null && v.DisplayName.ToLower().Contains(t)));
        }

        return await q.OrderBy(v => v.EntitlementType!.Name).ThenBy(v => v.Value).Take(Math.Clamp(take, 1, 500))
            .Select(v => new RequestableEntitlement(v.Id, v.EntitlementType!.Name, v.EntitlementId, v.Value, v.DisplayName)).ToListAsync(ct);
    }

    /// <summary>The people the actor may request for: themself, their direct reports, or (administrators) anyone active.</summary>
    public async Task<List<string>> BeneficiariesAsync(Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.Users.AsNoTracking().Where(u => u.Status == UserStatus.Active);
        if (!actor.IsAdmin) q = q.Where(u => u.Username == actor.Username || (u.Manager != null && u.Manager.Username == actor.Username));
        return await q.OrderBy(u => u.Username).Select(u => u.Username).Take(1000).ToListAsync(ct);
    }

    public static List<RequestAttributeDefinition> ParseAttributes(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return [];
        try
        {
            return JToken.Parse(json) is JArray array
                ? array.OfType<JObject>().Where(o => !string.IsNullOrWhiteSpace((string?)o["name"]))
                    .Select(o => new RequestAttributeDefinition((string)o["name"]!, (string?)o["label"] ?? (string)o["name"]!, o["required"]?.Type == JTokenType.Boolean && (bool)o["required"]!)).ToList()
                : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    public async Task<RequestView> CreateAsync(NewAccessRequest input, Actor actor, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string>();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var endpoint = await db.Endpoints.Include(e => e.SecuritySystem).SingleOrDefaultAsync(e => e.Name == input.Endpoint, ct);
        if (endpoint is null) throw new RequestValidationException(new Dictionary<string, string> { ["endpoint"] = $"No endpoint named '{input.Endpoint}'." });
        if (endpoint.SecuritySystem?.ProvisioningConnectionId is null) errors["endpoint"] = $"Endpoint '{endpoint.Name}' has no provisioning connection; access cannot be requested there.";

        var requester = await db.Users.SingleAsync(u => u.Username == actor.Username, ct);
        var beneficiaryName = string.IsNullOrWhiteSpace(input.For) ? actor.Username : input.For.Trim();
        var beneficiary = await db.Users.Include(u => u.Manager).SingleOrDefaultAsync(u => u.Username == beneficiaryName, ct);
        if (beneficiary is null || beneficiary.Status != UserStatus.Active)
            throw new RequestValidationException(new Dictionary<string, string> { ["for"] = $"No active user '{beneficiaryName}'." });
        if (!AccessRequestRules.CanRequestFor(actor.Username, actor.IsAdmin, beneficiary.Username, beneficiary.Manager?.Username))
            throw new AccessDeniedException($"You may request access only for yourself or for people who report to you, not for '{beneficiary.Username}'.");

        var ids = (input.EntitlementValueIds ?? []).Distinct().ToList();
        var values = await db.EntitlementValues.Include(v => v.EntitlementType).Where(v => ids.Contains(v.Id)).ToListAsync(ct);
        if (!input.NewAccount && ids.Count == 0) errors["items"] = "Choose a new account or at least one entitlement.";
        foreach (var id in ids.Where(id => values.All(v => v.Id != id))) errors["items"] = $"No entitlement {id}.";
        foreach (var v in values.Where(v => v.EndpointId != endpoint.Id || v.Status != EntitlementStatus.Active || v.EntitlementType?.Requestable != true))
            errors["items"] = $"'{v.Value}' is not a requestable entitlement of {endpoint.Name}.";

        var justification = input.BusinessJustification?.Trim();
        if (string.IsNullOrEmpty(justification)) errors["businessJustification"] = "Give a business justification.";
        else if (justification.Length > MaxJustificationLength) errors["businessJustification"] = $"At most {MaxJustificationLength} characters.";

        var definitions = ParseAttributes(endpoint.RequestAttributesJson);
        var attributes = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var d in definitions)
        {
            var value = input.Attributes?.FirstOrDefault(a => string.Equals(a.Key, d.Name, StringComparison.OrdinalIgnoreCase)).Value?.Trim();
            if (d.Required && string.IsNullOrEmpty(value)) errors[$"attributes.{d.Name}"] = $"{d.Label} is required.";
            if (!string.IsNullOrEmpty(value)) attributes[d.Name] = value;
        }

        foreach (var extra in (input.Attributes ?? new Dictionary<string, string?>()).Keys.Where(k => definitions.All(d => !string.Equals(d.Name, k, StringComparison.OrdinalIgnoreCase))))
            errors[$"attributes.{extra}"] = $"Endpoint '{endpoint.Name}' has no request attribute '{extra}'.";

        var hasAccount = await db.Accounts.AnyAsync(a => a.EndpointId == endpoint.Id && a.OwnerUserId == beneficiary.Id && a.Status != AccountStatus.Inactive, ct);
        if (input.NewAccount && hasAccount) errors["items"] = $"{beneficiary.Username} already has an account on {endpoint.Name}.";
        if (errors.Count > 0) throw new RequestValidationException(errors);

        var now = clock.GetUtcNow().UtcDateTime;
        var request = new AccessRequest
        {
            RequesterId = requester.Id,
            BeneficiaryId = beneficiary.Id,
            EndpointId = endpoint.Id,
            Kind = input.NewAccount ? AccessRequestKind.NewAccount : AccessRequestKind.Entitlements,
            Status = AccessRequestStatus.PendingApproval,
            BusinessJustification = justification,
            AttributesJson = attributes.Count == 0 ? null : JsonConvert.SerializeObject(attributes),
            CreatedUtc = now,
            Items = values.Select(v => new AccessRequestItem { EntitlementValueId = v.Id, Action = "add" }).ToList(),
        };
        db.AccessRequests.Add(request);
        await db.SaveChangesAsync(ct);
        var rid = request.Id.ToString(CultureInfo.InvariantCulture);
        db.AuditEvents.Add(audit.Create(actor.Username, "request.create", "request", rid,
            $"{endpoint.Name} for {beneficiary.Username}: {(input.NewAccount ? "new account" : "")}{(input.NewAccount && values.Count > 0 ? ", " : "")}{string.Join(", ", values.Select(v => $"{v.EntitlementType!.Name} {v.Value}"))}"));

        List<long> created = [];
        if (AccessRequestRules.IsAutoApproved(endpoint.ApproverMode))
        {
            request.Status = AccessRequestStatus.Approved;
            request.DecidedUtc = now;
            request.DecisionComment = "Auto-approved: the endpoint needs no approval.";
            db.AuditEvents.Add(audit.Create("system", "request.approve", "request", rid, request.DecisionComment));
            created = await CreateTasksAsync(db, request, hasAccount, ct);
            await email.QueueAsync(db, EmailEvent.RequestApproved, request, null, ct);
        }
        else
        {
            await email.QueueAsync(db, EmailEvent.RequestCreated, request, null, ct);
            await db.SaveChangesAsync(ct);
        }

        await tasks.AfterCreatedAsync(created, ct);
        return await GetAsync(request.Id, actor, ct);
    }

    /// <summary>Approves or rejects; only an approver (or administrator) who is neither requester nor beneficiary may.</summary>
    public async Task<RequestView> DecideAsync(long id, bool approve, string? comment, Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var request = await db.AccessRequests.Include(r => r.Requester).Include(r => r.Beneficiary).Include(r => r.Endpoint).Include(r => r.Items)
            .SingleOrDefaultAsync(r => r.Id == id, ct) ?? throw new KeyNotFoundException($"No request {id}.");
        var approvers = await ApproversAsync(db, request, ct);
        if (!AccessRequestRules.CanRead(actor.Username, actor.IsAdmin, request.Requester!.Username, request.Beneficiary!.Username, approvers))
            throw new KeyNotFoundException($"No request {id}.");
        if (request.Status != AccessRequestStatus.PendingApproval) throw new InvalidOperationException($"Request {id} is {request.Status}; it was already decided.");
        if (!AccessRequestRules.CanDecide(actor.Username, actor.IsAdmin, request.Requester.Username, request.Beneficiary.Username, approvers, request.Status))
            throw new AccessDeniedException(string.Equals(actor.Username, request.Requester.Username, StringComparison.OrdinalIgnoreCase) || string.Equals(actor.Username, request.Beneficiary.Username, StringComparison.OrdinalIgnoreCase)
                ? "You cannot approve or reject your own request."
                : "You are not an approver of this request.");
        if (!approve && string.IsNullOrWhiteSpace(comment))
            throw new RequestValidationException(new Dictionary<string, string> { ["comment"] = "Say why the request is rejected." });
        if (comment?.Length > MaxJustificationLength)
            throw new RequestValidationException(new Dictionary<string, string> { ["comment"] = $"At most {MaxJustificationLength} characters." });

        var decider = await db.Users.SingleAsync(u => u.Username == actor.Username, ct);
        request.Status = approve ? AccessRequestStatus.Approved : AccessRequestStatus.Rejected;
        request.DecidedById = decider.Id;
        request.DecidedUtc = clock.GetUtcNow().UtcDateTime;
        request.DecisionComment = string.IsNullOrWhiteSpace(comment) ? null : comment.Trim();
        db.AuditEvents.Add(audit.Create(actor.Username, approve ? "request.approve" : "request.reject", "request", id.ToString(CultureInfo.InvariantCulture), request.DecisionComment));
        List<long> created = [];
        if (approve)
        {
            var hasAccount = await db.Accounts.AnyAsync(a => a.EndpointId == request.EndpointId && a.OwnerUserId == request.BeneficiaryId && a.Status != AccountStatus.Inactive, ct);
            created = await CreateTasksAsync(db, request, hasAccount, ct);
        }
        else
        {
            await db.SaveChangesAsync(ct);
        }

        await email.QueueAsync(db, approve ? EmailEvent.RequestApproved : EmailEvent.RequestRejected, request, null, ct);
        await db.SaveChangesAsync(ct);
        await tasks.AfterCreatedAsync(created, ct);
        return await GetAsync(id, actor, ct);
    }

    /// <summary>One CreateAccount task when a new account is asked for (or needed for the entitlements), one AddAccess task per entitlement.</summary>
    private async Task<List<long>> CreateTasksAsync(AdminPortalDbContext db, AccessRequest request, bool hasAccount, CancellationToken ct)
    {
        var list = new List<NewTask>();
        if (request.Kind == AccessRequestKind.NewAccount || !hasAccount)
            list.Add(new NewTask(ProvisioningTaskType.CreateAccount, request.EndpointId, null, request.BeneficiaryId, null, request.Id));
        list.AddRange(request.Items.Where(i => i.EntitlementValueId is not null).Select(i =>
            new NewTask(i.Action == "remove" ? ProvisioningTaskType.RemoveAccess : ProvisioningTaskType.AddAccess, request.EndpointId, null, request.BeneficiaryId, i.EntitlementValueId, request.Id)));
        var created = tasks.Add(db, list);
        await db.SaveChangesAsync(ct);
        return created.Select(t => t.Id).ToList();
    }

    public async Task<RequestView> GetAsync(long id, Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var r = await db.AccessRequests.AsNoTracking().Include(x => x.Requester).Include(x => x.Beneficiary).Include(x => x.Endpoint)
            .Include(x => x.Items).ThenInclude(i => i.EntitlementValue).ThenInclude(v => v!.EntitlementType)
            .SingleOrDefaultAsync(x => x.Id == id, ct) ?? throw new KeyNotFoundException($"No request {id}.");
        var approvers = await ApproversAsync(db, r, ct);
        if (!AccessRequestRules.CanRead(actor.Username, actor.IsAdmin, r.Requester!.Username, r.Beneficiary!.Username, approvers))
            throw new KeyNotFoundException($"No request {id}.");
        var decidedBy = r.DecidedById is { } d ? await db.Users.AsNoTracking().Where(u => u.Id == d).Select(u => u.Username).SingleOrDefaultAsync(ct) : null;
        var rid = id.ToString(CultureInfo.InvariantCulture);
        var history = await db.AuditEvents.AsNoTracking().Where(a => a.TargetKind == "request" && a.TargetName == rid).OrderBy(a => a.Id)
            .Select(a => new RequestHistoryEntry(a.Utc, a.Actor, a.Action, a.Details)).ToListAsync(ct);
        var taskRows = await tasks.ListAsync(new TaskFilter(RequestId: id), null, ct);
        return new RequestView(r.Id, r.Requester.Username, r.Beneficiary.Username, r.Endpoint!.Name, r.Kind, r.Status, r.BusinessJustification,
            ProvisioningRequestBuilder.Payload(r.AttributesJson), approvers, decidedBy, r.DecisionComment, r.CreatedUtc, r.DecidedUtc,
            r.Items.Select(i => new RequestItemView(i.EntitlementValueId, i.EntitlementValue?.EntitlementType?.Name, i.EntitlementValue?.Value, i.Action)).ToList(),
            taskRows.OrderBy(t => t.Id).ToList(), history,
            AccessRequestRules.CanDecide(actor.Username, actor.IsAdmin, r.Requester.Username, r.Beneficiary.Username, approvers, r.Status));
    }

    /// <summary>Requests the actor made or that are for them.</summary>
    public async Task<List<RequestView>> MineAsync(Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ids = await db.AccessRequests.AsNoTracking().Where(r => r.Requester!.Username == actor.Username || r.Beneficiary!.Username == actor.Username)
            .OrderByDescending(r => r.Id).Take(200).Select(r => r.Id).ToListAsync(ct);
        return await ViewsAsync(ids, actor, ct);
    }

    /// <summary>Pending requests the actor may decide.</summary>
    public async Task<List<RequestView>> InboxAsync(Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var pending = await db.AccessRequests.AsNoTracking().Include(r => r.Requester).Include(r => r.Beneficiary).Include(r => r.Endpoint)
            .Where(r => r.Status == AccessRequestStatus.PendingApproval).OrderBy(r => r.Id).Take(1000).ToListAsync(ct);
        var ids = new List<long>();
        foreach (var r in pending)
        {
            var approvers = await ApproversAsync(db, r, ct);
            if (AccessRequestRules.CanDecide(actor.Username, actor.IsAdmin, r.Requester!.Username, r.Beneficiary!.Username, approvers, r.Status)) ids.Add(r.Id);
        }

        return await ViewsAsync(ids, actor, ct);
    }

    /// <summary>Recently decided requests the actor decided.</summary>
    public async Task<List<RequestView>> DecidedByAsync(Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ids = await db.AccessRequests.AsNoTracking().Where(r => r.DecidedById != null && db.Users.Any(u => u.Id == r.DecidedById && u.Username == actor.Username))
            .OrderByDescending(r => r.Id).Take(50).Select(r => r.Id).ToListAsync(ct);
        return await ViewsAsync(ids, actor, ct);
    }

    private async Task<List<RequestView>> ViewsAsync(List<long> ids, Actor actor, CancellationToken ct)
    {
        var views = new List<RequestView>();
        foreach (var id in ids) views.Add(await GetAsync(id, actor, ct));
        return views;
    }

    private static async Task<IReadOnlyList<string>> ApproversAsync(AdminPortalDbContext db, AccessRequest r, CancellationToken ct)
    {
        var endpoint = r.Endpoint ?? await db.Endpoints.AsNoTracking().SingleAsync(e => e.Id == r.EndpointId, ct);
        var managerName = await db.Users.AsNoTracking().Where(u => u.Id == r.BeneficiaryId && u.Manager != null).Select(u => u.Manager!.Username).SingleOrDefaultAsync(ct);
        return AccessRequestRules.Approvers(endpoint.ApproverMode, endpoint.ApproverUsernames, managerName);
    }
}
