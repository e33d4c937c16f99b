using System.Threading.Channels;
using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Connectors.Provisioning;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Web.Features.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Newtonsoft.Json;
using DomainExchange = AdminPortal.Core.Domain.HttpExchange;
using EngineExchange = AdminPortal.Core.Connectors.Http.HttpExchange;

using AdminPortal.Web.Features.Connections;

namespace AdminPortal.Web.Features.Provisioning;

/// <summary>Work for the provisioning runner: one task (instant provisioning) or a WSRETRY pass over all due tasks.</summary>
public sealed record ProvisioningWork(long? TaskId, string Trigger);

/// <summary>The single queue every provisioning execution goes through, so one task never runs twice at once.</summary>
public sealed class ProvisioningQueue
{
    private readonly Channel<ProvisioningWork> _channel = Channel.CreateUnbounded<ProvisioningWork>(new UnboundedChannelOptions { SingleReader = true });
    public void RunTask(long taskId) => _channel.Writer.TryWrite(new ProvisioningWork(taskId, "instant"));
    public void RunDue(string trigger) => _channel.Writer.TryWrite(new ProvisioningWork(null, trigger));
    public ChannelReader<ProvisioningWork> Reader => _channel.Reader;
}

public sealed record TaskFilter(ProvisioningTaskStatus? State = null, string? Endpoint = null, ProvisioningTaskType? Type = null, string? Error = null, long? RequestId = null, int Take = 500);

public sealed record TaskRow(long Id, ProvisioningTaskType Type, ProvisioningTaskStatus Status, string Endpoint, string? Account, string? User, string? Entitlement,
    long? RequestId, int Attempts, DateTime? NextAttemptUtc, DateTime? IntentRecordedUtc, string? LastError, string? ErrorSignature, string? Comment, string? CompletedBy,
    DateTime CreatedUtc, DateTime UpdatedUtc, DateTime? CompletedUtc)
{
    /// <summary>Failed with no further attempt scheduled.</summary>
    public bool IsFinalFailure => Status == ProvisioningTaskStatus.Failed && NextAttemptUtc is null;
}

public sealed record FailureGroup(string Signature, int Count, string? SampleError, DateTime LastUtc);

public sealed record NewTask(ProvisioningTaskType Type, int EndpointId, long? AccountId, int? UserId, long? EntitlementValueId, long? AccessRequestId, string? PayloadJson = null);

/// <summary>
/// Provisioning tasks: creation (and instant provisioning), execution through the connector engine with the
/// intent recorded first, result write-back (accounts, links, request state, e-mail), retries with backoff,
/// start-up recovery, and the administrator's actions (retry, cancel, complete manually).
/// </summary>
public sealed class ProvisioningTaskService(
    IDbContextFactory<AdminPortalDbContext> dbFactory,
    ProvisioningConnectorFactory connectors,
    ProvisioningQueue queue,
    EmailService email,
    AuditService audit,
    IOptionsMonitor<ProvisioningOptions> options,
    TimeProvider clock,
    ILogger<ProvisioningTaskService> logger)
{
    public const int MaxExchangesPerAttempt = 200;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>Adds the tasks (not saved: the caller saves them with its own changes) and returns them.</summary>
    public List<ProvisioningTask> Add(AdminPortalDbContext db, IEnumerable<NewTask> tasks)
    {
        var now = Now;
        var created = tasks.Select(t => new ProvisioningTask
        {
            Type = t.Type, Status = ProvisioningTaskStatus.New, EndpointId = t.EndpointId, AccountId = t.AccountId, UserId = t.UserId,
            EntitlementValueId = t.EntitlementValueId, AccessRequestId = t.AccessRequestId, PayloadJson = t.PayloadJson, CreatedUtc = now, UpdatedUtc = now,
        }).ToList();
        db.ProvisioningTasks.AddRange(created);
        return created;
    }

    /// <summary>After the tasks were saved: queues them for instant provisioning when their security system and the global setting both allow it.</summary>
    public async Task<bool> AfterCreatedAsync(IReadOnlyCollection<long> taskIds, CancellationToken ct = default)
    {
        if (taskIds.Count == 0 || !await InstantGloballyOnAsync(ct)) return false;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var instant = await db.ProvisioningTasks.AsNoTracking().Where(t => taskIds.Contains(t.Id) && t.Endpoint!.SecuritySystem!.InstantProvisioning)
            .OrderBy(t => t.Id).Select(t => t.Id).ToListAsync(ct);
        foreach (var id in instant) queue.RunTask(id);
        return instant.Count > 0;
    }

    public async Task<bool> InstantGloballyOnAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var value = await db.GlobalSettings.AsNoTracking().Where(s => s.Key == GlobalSettingKeys.InstantProvisioningTasks).Select(s => s.Value).SingleOrDefaultAsync(ct);
        return value is not null && (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1" || value.Equals("on", StringComparison.OrdinalIgnoreCase));
    }

    public async Task SetInstantGloballyAsync(bool on, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var setting = await db.GlobalSettings.SingleOrDefaultAsync(s => s.Key == GlobalSettingKeys.InstantProvisioningTasks, ct);
        if (setting is null) db.GlobalSettings.Add(setting = new GlobalSetting { Key = GlobalSettingKeys.InstantProvisioningTasks });
        setting.Value = on ? "true" : "false";
        db.AuditEvents.Add(audit.Create(actor, "setting.change", "setting", GlobalSettingKeys.InstantProvisioningTasks, setting.Value));
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Start-up recovery: tasks whose intent was recorded but whose result never was go to NeedsReview; none is resent.</summary>
    public async Task<int> RecoverAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var open = await db.ProvisioningTasks.Where(t => t.IntentRecordedUtc != null).ToListAsync(ct);
        var recovered = 0;
        foreach (var task in open.Where(t => ProvisioningRules.NeedsReviewAfterRestart(t.Status, t.IntentRecordedUtc)))
        {
            task.Status = ProvisioningTaskStatus.NeedsReview;
            task.LastError = $"The portal stopped after sending attempt {task.Attempts} (intent recorded {task.IntentRecordedUtc:u}) and before recording its result; check the target, then retry or complete the task manually.";
            task.ErrorSignature = "interrupted: result unknown";
            task.NextAttemptUtc = null;
            task.UpdatedUtc = Now;
            recovered++;
        }

        if (recovered > 0)
        {
            db.AuditEvents.Add(audit.Create("system", "provisioning.recover", "tasks", null, $"{recovered} task(s) to NeedsReview"));
            logger.LogWarning("{Count} provisioning task(s) had a recorded intent and no result at start-up; they need review", recovered);
        }

        await db.SaveChangesAsync(ct);
        return recovered;
    }

    /// <summary>One WSRETRY pass: due tasks, oldest first, within each connection's provisioningLimit.</summary>
    public async Task<int> RunDueAsync(CancellationToken ct)
    {
        var now = Now;
        List<TaskCandidate> candidates;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            candidates = await db.ProvisioningTasks.AsNoTracking()
                .Where(t => t.Status == ProvisioningTaskStatus.New || (t.Status == ProvisioningTaskStatus.Failed && t.NextAttemptUtc != null && t.NextAttemptUtc <= now))
                .Select(t => new TaskCandidate(t.Id, t.Type, t.Status, t.CreatedUtc, t.NextAttemptUtc, t.Endpoint!.SecuritySystem!.ProvisioningConnectionId))
                .ToListAsync(ct);
        }

        var limits = new Dictionary<int, ProvisioningLimits>();
        foreach (var id in candidates.Select(c => c.ConnectionId).OfType<int>().Distinct()) limits[id] = await connectors.LimitsAsync(id, ct);
        var picked = ProvisioningRules.SelectDue(candidates, id => id is { } c ? limits[c] : ProvisioningLimits.Unlimited, now, options.CurrentValue.MaxTasksPerRun);
        var connectionOf = candidates.ToDictionary(c => c.Id, c => c.ConnectionId);
        var ran = 0;
        foreach (var id in picked)
        {
            ct.ThrowIfCancellationRequested();
            if (await RunTaskAsync(id, ct)) ran++;
            if (connectionOf[id] is { } c && limits[c].WaitBetweenTasks > TimeSpan.Zero) await Task.Delay(limits[c].WaitBetweenTasks, clock, ct);
        }

        return ran;
    }

    /// <summary>Runs one task if it is due. Returns false when it was not (already running, closed, or not yet due).</summary>
    public async Task<bool> RunTaskAsync(long taskId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var task = await db.ProvisioningTasks.SingleOrDefaultAsync(t => t.Id == taskId, ct);
        if (task is null || !ProvisioningRules.IsDue(task.Status, task.NextAttemptUtc, Now)) return false;
        var endpoint = await db.Endpoints.AsNoTracking().Include(e => e.SecuritySystem).SingleAsync(e => e.Id == task.EndpointId, ct);

        // Access tasks of a request that also creates the account wait (without spending an attempt) until it exists.
        var account = task.AccountId is { } aid ? await db.Accounts.SingleOrDefaultAsync(a => a.Id == aid, ct) : null;
        if (account is null && task.Type != ProvisioningTaskType.CreateAccount && task.UserId is { } uid)
        {
            account = await db.Accounts.Where(a => a.EndpointId == task.EndpointId && a.OwnerUserId == uid && a.Status != AccountStatus.Inactive)
                .OrderBy(a => a.Id).FirstOrDefaultAsync(ct);
            if (account is null)
            {
                var creating = await db.ProvisioningTasks.AnyAsync(t => t.Type == ProvisioningTaskType.CreateAccount && t.EndpointId == task.EndpointId && t.UserId == uid
                    && t.Status != ProvisioningTaskStatus.Completed && t.Status != ProvisioningTaskStatus.Cancelled && !(t.Status == ProvisioningTaskStatus.Failed && t.NextAttemptUtc == null), ct);
                if (creating)
                {
                    task.NextAttemptUtc = Now.AddSeconds(Math.Max(1, options.CurrentValue.IntervalSeconds));
                    task.LastError = "Waiting for the account to be created.";
                    task.UpdatedUtc = Now;
                    await db.SaveChangesAsync(ct);
                    return false;
                }
            }

            if (account is not null) task.AccountId = account.Id;
        }

        // Claim the task and record the intent before anything can leave the portal, in one conditional update:
        // whoever changed the task since it was read (another runner, an administrator) wins and this attempt is dropped.
        // The intent is cleared together with the result.
        var now = Now;
        var accountId = task.AccountId;
        var claimed = await db.ProvisioningTasks.Where(t => t.Id == task.Id && t.Status == task.Status && t.UpdatedUtc == task.UpdatedUtc)
            .ExecuteUpdateAsync(s => s
                .SetProperty(t => t.Status, ProvisioningTaskStatus.InProgress)
                .SetProperty(t => t.Attempts, t => t.Attempts + 1)
                .SetProperty(t => t.IntentRecordedUtc, now)
                .SetProperty(t => t.UpdatedUtc, now)
                .SetProperty(t => t.AccountId, accountId), ct);
        if (claimed == 0) return false;
        await db.Entry(task).ReloadAsync(ct);

        var recorder = new InMemoryExchangeRecorder();
        ProvisioningResult result;
        try
        {
            if (account is null && task.Type != ProvisioningTaskType.CreateAccount)
                throw new ProvisioningSetupException($"No account of the user on endpoint '{endpoint.Name}' for {task.Type}.");
            var connectionId = endpoint.SecuritySystem?.ProvisioningConnectionId
                               ?? throw new ProvisioningSetupException($"Security system '{endpoint.SecuritySystem?.Name}' has no provisioning connection.");
            var connector = await connectors.CreateAsync(connectionId, recorder, ct);
            var request = await ProvisioningRequestBuilder.BuildAsync(db, task, account, ct);
            result = await connector.Engine.RunProvisioningAsync(connector.Definition, request, ct);
        }
        catch (Exception e) when (e is ProvisioningSetupException or ConnectorConfigException or NotSupportedException)
        {
            result = new ProvisioningResult { Success = false, NotConfigured = true, Error = e.Message, ErrorSignature = "setup: " + e.GetType().Name.Replace("Exception", "", StringComparison.Ordinal) };
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down mid-call: the intent stays recorded, so start-up recovery sends the task to review.
            throw;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Provisioning task {TaskId} failed unexpectedly", task.Id);
            result = new ProvisioningResult { Success = false, Error = "Unexpected error: " + e.Message, ErrorSignature = "unexpected: " + e.GetType().Name, AnyCallSent = recorder.Exchanges.Count > 0 };
        }

        await RecordResultAsync(db, task, endpoint, account, result, recorder.Exchanges, ct);
        return true;
    }

    private async Task RecordResultAsync(AdminPortalDbContext db, ProvisioningTask task, Core.Domain.Endpoint endpoint, Account? account, ProvisioningResult result,
        IReadOnlyList<EngineExchange> recorded, CancellationToken ct)
    {
        var now = Now;
        var partial = ProvisioningRules.IsPartialCreate(task.Type, result.Success, result.Calls.Select(c => (c.Success, c.Skipped)), result.AccountId);
        var outcome = ProvisioningRules.AfterAttempt(result.Success, result.NotConfigured, task.Attempts, options.CurrentValue.Retry, result.RetryAfter, now, Random.Shared.NextDouble(), partial);
        task.Status = outcome.Status;
        task.NextAttemptUtc = outcome.NextAttemptUtc;
        task.IntentRecordedUtc = null;
        task.UpdatedUtc = now;
        if (result.Success)
        {
            task.LastError = null;
            task.ErrorSignature = null;
            task.CompletedUtc = now;
            task.CompletedBy = "engine";
            ApplySuccess(db, task, endpoint, account, result, now);
        }
        else
        {
            task.LastError = Truncate((partial ? "Partly applied — an earlier call succeeded, so the account may exist; check the target, then retry or complete manually. " : "")
                                      + (result.Error ?? "The target did not confirm the operation."), 4000);
            task.ErrorSignature = Truncate(result.ErrorSignature ?? "unknown", 300);
        }

        var exchanges = (result.Exchanges.Count > 0 ? result.Exchanges : recorded).Take(MaxExchangesPerAttempt).ToList();
        var sequenceStart = await db.HttpExchanges.Where(x => x.TaskId == task.Id).CountAsync(ct);
        db.HttpExchanges.AddRange(exchanges.Select((x, i) => ExchangeRows.From(x, sequenceStart + i, taskId: task.Id)));
        db.AuditEvents.Add(audit.Create("system", "provisioning.attempt", "task", task.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"{task.Type} attempt {task.Attempts}: {task.Status}{(outcome.NextAttemptUtc is { } n ? $", next {n:u}" : "")}{(result.Success ? "" : " — " + task.LastError)}"));
        // The request's status moves in the same transaction as its task: nobody sees a final task under a stale request.
        if (task.AccessRequestId is { } requestId) await UpdateRequestAsync(db, requestId, task, CancellationToken.None);
        await db.SaveChangesAsync(CancellationToken.None);
        logger.LogInformation("Provisioning task {TaskId} ({Type}) attempt {Attempt}: {Status}", task.Id, task.Type, task.Attempts, task.Status);

        if (result.Success && task.Type == ProvisioningTaskType.CreateAccount && await InstantGloballyOnAsync(CancellationToken.None) && endpoint.SecuritySystem?.InstantProvisioning == true)
        {
            // Access tasks that waited for this account can go now.
            await using var siblings = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            foreach (var id in await siblings.ProvisioningTasks.Where(t => t.EndpointId == task.EndpointId && t.UserId == task.UserId && t.Id != task.Id && t.Status == ProvisioningTaskStatus.New)
                         .Select(t => t.Id).ToListAsync(CancellationToken.None))
            {
                await siblings.ProvisioningTasks.Where(t => t.Id == id).ExecuteUpdateAsync(s => s.SetProperty(t => t.NextAttemptUtc, (DateTime?)null), CancellationToken.None);
                queue.RunTask(id);
            }
        }
    }

    private static void ApplySuccess(AdminPortalDbContext db, ProvisioningTask task, Core.Domain.Endpoint endpoint, Account? account, ProvisioningResult result, DateTime now)
    {
        switch (task.Type)
        {
            case ProvisioningTaskType.CreateAccount:
            {
                var props = result.AccountProperties;
                var targetId = result.AccountId ?? props.GetValueOrDefault("accountID") ?? props.GetValueOrDefault("name");
                if (targetId is null) break;
                var existing = db.Accounts.Local.FirstOrDefault(a => a.EndpointId == endpoint.Id && a.AccountId == targetId)
                               ?? db.Accounts.FirstOrDefault(a => a.EndpointId == endpoint.Id && a.AccountId == targetId);
                if (existing is null)
                {
                    existing = new Account { EndpointId = endpoint.Id, AccountId = targetId, Name = props.GetValueOrDefault("name") ?? targetId, Status = AccountStatus.PendingCreate, CreatedUtc = now };
                    db.Accounts.Add(existing);
                }

                existing.OwnerUserId ??= task.UserId;
                existing.UpdatedUtc = now;
                ApplyProperties(existing, props);
                task.Account = existing;
                break;
            }
            case ProvisioningTaskType.UpdateAccount or ProvisioningTaskType.ChangePassword when account is not null:
                ApplyProperties(account, result.AccountProperties);
                account.UpdatedUtc = now;
                break;
            case ProvisioningTaskType.EnableAccount when account is not null:
                account.Status = AccountStatus.Active;
                ApplyProperties(account, result.AccountProperties);
                account.UpdatedUtc = now;
                break;
            case ProvisioningTaskType.DisableAccount when account is not null:
                account.Status = AccountStatus.Disabled;
                ApplyProperties(account, result.AccountProperties);
                account.UpdatedUtc = now;
                break;
            case ProvisioningTaskType.RemoveAccount when account is not null:
                account.Status = AccountStatus.Inactive;
                account.UpdatedUtc = now;
                break;
            case ProvisioningTaskType.AddAccess when account is not null && task.EntitlementValueId is { } add:
            {
                var link = db.AccountEntitlements.FirstOrDefault(l => l.AccountId == account.Id && l.EntitlementValueId == add);
                if (link is null) db.AccountEntitlements.Add(new AccountEntitlement { AccountId = account.Id, EntitlementValueId = add, Status = LinkStatus.PendingAdd, CreatedUtc = now });
                else if (link.Status == LinkStatus.PendingRemove) link.Status = LinkStatus.PendingAdd;
                break;
            }
            case ProvisioningTaskType.RemoveAccess when account is not null && task.EntitlementValueId is { } remove:
            {
                var link = db.AccountEntitlements.FirstOrDefault(l => l.AccountId == account.Id && l.EntitlementValueId == remove);
                if (link is not null) link.Status = LinkStatus.PendingRemove;
                break;
            }
        }
    }

    private static readonly System.Reflection.PropertyInfo[] AccountCustom =
        Enumerable.Range(1, Account.CustomPropertyCount).Select(i => typeof(Account).GetProperty($"CustomProperty{i}")!).ToArray();

    /// <summary>responseColsToPropsMap results: known columns onto the account, the rest into its extra properties.</summary>
    private static void ApplyProperties(Account account, IReadOnlyDictionary<string, string?> props)
    {
        if (props.Count == 0) return;
        var extra = ProvisioningRequestBuilder.Payload(account.ExtraPropertiesJson);
        foreach (var (key, value) in props)
        {
            switch (key.ToLowerInvariant())
            {
                case "accountid":
                    break;
                case "name":
                    if (!string.IsNullOrEmpty(value)) account.Name = value;
                    break;
                case "displayname":
                    account.DisplayName = value;
                    break;
                case "description":
                    account.Description = value;
                    break;
                case "accounttype":
                    account.AccountType = value;
                    break;
                default:
                    if (key.StartsWith("customproperty", StringComparison.OrdinalIgnoreCase) && int.TryParse(key["customproperty".Length..], out var n) && n >= 1 && n <= Account.CustomPropertyCount)
                        AccountCustom[n - 1].SetValue(account, value);
                    else
                        extra[key] = value;
                    break;
            }
        }

        account.ExtraPropertiesJson = extra.Count == 0 ? null : JsonConvert.SerializeObject(extra);
    }

    /// <summary>Moves the request's status from its tasks' states, in <paramref name="db"/>'s pending changes (the caller saves);
    /// <paramref name="changed"/> counts with its unsaved state.</summary>
    private async Task UpdateRequestAsync(AdminPortalDbContext db, long requestId, ProvisioningTask changed, CancellationToken ct)
    {
        var request = await db.AccessRequests.Include(r => r.Endpoint).Include(r => r.Requester).Include(r => r.Beneficiary).SingleAsync(r => r.Id == requestId, ct);
        var tasks = await db.ProvisioningTasks.AsNoTracking().Where(t => t.AccessRequestId == requestId && t.Id != changed.Id).Select(t => new { t.Status, t.NextAttemptUtc }).ToListAsync(ct);
        tasks.Add(new { changed.Status, changed.NextAttemptUtc });
        var status = ProvisioningRules.RequestStatusFromTasks(request.Status, tasks.Select(t => (t.Status, t.Status != ProvisioningTaskStatus.Failed || t.NextAttemptUtc == null)).ToList());
        if (status == request.Status) return;
        request.Status = status;
        db.AuditEvents.Add(audit.Create("system", "request." + status.ToString().ToLowerInvariant(), "request", requestId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            status == AccessRequestStatus.Failed ? $"task {changed.Id} {changed.Type}: {changed.LastError}" : null));
        if (status is AccessRequestStatus.Provisioned or AccessRequestStatus.Failed)
            await email.QueueAsync(db, status == AccessRequestStatus.Provisioned ? EmailEvent.Provisioned : EmailEvent.Failed, request, changed.LastError, ct);
    }

    // ---- administrator actions ----

    /// <summary>Account actions of an administrator (AccountProvisioningActions): disable, enable, remove the account, or revoke one entitlement.</summary>
    public async Task<TaskRow> CreateForAccountAsync(long accountId, ProvisioningTaskType type, long? entitlementValueId, string actor, CancellationToken ct = default)
    {
        if (type is not (ProvisioningTaskType.DisableAccount or ProvisioningTaskType.EnableAccount or ProvisioningTaskType.RemoveAccount or ProvisioningTaskType.RemoveAccess))
            throw new ArgumentException($"{type} is not an account action.");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == accountId, ct) ?? throw new KeyNotFoundException($"No account {accountId}.");
        if (type == ProvisioningTaskType.RemoveAccess)
        {
            if (entitlementValueId is null || !await db.AccountEntitlements.AnyAsync(l => l.AccountId == accountId && l.EntitlementValueId == entitlementValueId, ct))
                throw new InvalidOperationException("The account does not hold that entitlement.");
        }

        var open = await db.ProvisioningTasks.AnyAsync(t => t.AccountId == accountId && t.Type == type && t.EntitlementValueId == entitlementValueId
            && (t.Status == ProvisioningTaskStatus.New || t.Status == ProvisioningTaskStatus.InProgress || (t.Status == ProvisioningTaskStatus.Failed && t.NextAttemptUtc != null)), ct);
        if (open) throw new InvalidOperationException($"A {type} task for this account is already open.");
        var task = Add(db, [new NewTask(type, account.EndpointId, accountId, account.OwnerUserId, type == ProvisioningTaskType.RemoveAccess ? entitlementValueId : null, null)]).Single();
        await db.SaveChangesAsync(ct);
        db.AuditEvents.Add(audit.Create(actor, "task.create", "task", task.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{type} account {account.Name} on endpoint {account.EndpointId}"));
        await db.SaveChangesAsync(ct);
        await AfterCreatedAsync([task.Id], ct);
        return (await ListAsync(new TaskFilter(), [task.Id], ct)).Single();
    }

    public async Task<TaskRow> RetryAsync(long id, string actor, CancellationToken ct = default) => (await RetryManyAsync([id], actor, ct)).Single();

    /// <summary>Makes failed, review or cancelled tasks due now with a fresh attempt budget (bulk retry).</summary>
    public async Task<List<TaskRow>> RetryManyAsync(IReadOnlyCollection<long> ids, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var tasks = await db.ProvisioningTasks.Where(t => ids.Contains(t.Id)).ToListAsync(ct);
        if (tasks.Count != ids.Distinct().Count()) throw new KeyNotFoundException("No such task.");
        var bad = tasks.Where(t => !ProvisioningRules.CanRetry(t.Status)).ToList();
        if (bad.Count > 0) throw new InvalidOperationException($"Task(s) {string.Join(", ", bad.Select(t => $"{t.Id} ({t.Status})"))} cannot be retried; only Failed, NeedsReview or Cancelled tasks can.");
        foreach (var t in tasks)
        {
            t.Status = ProvisioningTaskStatus.New;
            t.Attempts = 0;
            t.NextAttemptUtc = null;
            t.IntentRecordedUtc = null;
            t.UpdatedUtc = Now;
            db.AuditEvents.Add(audit.Create(actor, "task.retry", "task", t.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), null));
        }

        await ReopenRequestsAsync(db, tasks, ct);
        await db.SaveChangesAsync(ct);
        queue.RunDue("retry");
        return await ListAsync(new TaskFilter(), ids, ct);
    }

    public async Task<TaskRow> CancelAsync(long id, string actor, string? comment, CancellationToken ct = default) =>
        await CloseAsync(id, actor, comment, ProvisioningTaskStatus.Cancelled, ProvisioningRules.CanCancel, ct);

    public async Task<TaskRow> CompleteManuallyAsync(long id, string actor, string comment, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(comment)) throw new RequestValidationException(new Dictionary<string, string> { ["comment"] = "Say what was done on the target." });
        return await CloseAsync(id, actor, comment, ProvisioningTaskStatus.Completed, ProvisioningRules.CanCompleteManually, ct);
    }

    private async Task<TaskRow> CloseAsync(long id, string actor, string? comment, ProvisioningTaskStatus to, Func<ProvisioningTaskStatus, bool> allowed, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var task = await db.ProvisioningTasks.SingleOrDefaultAsync(t => t.Id == id, ct) ?? throw new KeyNotFoundException($"No task {id}.");
        if (!allowed(task.Status)) throw new InvalidOperationException($"Task {id} is {task.Status}; it cannot become {to}.");
        task.Status = to;
        task.Comment = comment?.Trim();
        task.CompletedBy = actor;
        task.CompletedUtc = Now;
        task.NextAttemptUtc = null;
        task.IntentRecordedUtc = null;
        task.UpdatedUtc = Now;
        db.AuditEvents.Add(audit.Create(actor, to == ProvisioningTaskStatus.Completed ? "task.complete-manually" : "task.cancel", "task", id.ToString(System.Globalization.CultureInfo.InvariantCulture), comment));
        if (task.AccessRequestId is { } requestId) await UpdateRequestAsync(db, requestId, task, ct);
        await db.SaveChangesAsync(ct);
        return (await ListAsync(new TaskFilter(), [id], ct)).Single();
    }

    private static async Task ReopenRequestsAsync(AdminPortalDbContext db, List<ProvisioningTask> tasks, CancellationToken ct)
    {
        var requestIds = tasks.Select(t => t.AccessRequestId).OfType<long>().Distinct().ToList();
        await foreach (var r in db.AccessRequests.Where(r => requestIds.Contains(r.Id) && r.Status == AccessRequestStatus.Failed).AsAsyncEnumerable().WithCancellation(ct))
            r.Status = AccessRequestStatus.Approved;
    }

    // ---- queries ----

    public async Task<List<TaskRow>> ListAsync(TaskFilter filter, IReadOnlyCollection<long>? ids = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.ProvisioningTasks.AsNoTracking();
        if (ids is not null) q = q.Where(t => ids.Contains(t.Id));
        if (filter.State is { } s) q = q.Where(t => t.Status == s);
        if (!string.IsNullOrWhiteSpace(filter.Endpoint)) q = q.Where(t => t.Endpoint!.Name == filter.Endpoint);
        if (filter.Type is { } type) q = q.Where(t => t.Type == type);
        if (filter.RequestId is { } rid) q = q.Where(t => t.AccessRequestId == rid);
        if (!string.IsNullOrWhiteSpace(filter.Error))
        {
            var e = filter.Error.Trim();
            q = q.Where(t => (t.ErrorSignature != null && t.ErrorSignature.Contains(e)) || (t.LastError != null && t.LastError.Contains(e)));
        }

        return await q.OrderByDescending(t => t.Id).Take(Math.Clamp(filter.Take, 1, 5000)).Select(t => new TaskRow(t.Id, t.Type, t.Status, t.Endpoint!.Name,
                t.Account == null ? null : t.Account.Name, t.User == null ? null : t.User.Username,
                t.EntitlementValue == null ? null : t.EntitlementValue.EntitlementType!.Name + ": " + t.EntitlementValue.Value,
                t.AccessRequestId, t.Attempts, t.NextAttemptUtc, t.IntentRecordedUtc, t.LastError, t.ErrorSignature, t.Comment, t.CompletedBy, t.CreatedUtc, t.UpdatedUtc, t.CompletedUtc))
            .ToListAsync(ct);
    }

    /// <summary>Failed and review tasks grouped by error signature, largest group first.</summary>
    public async Task<List<FailureGroup>> FailureGroupsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.ProvisioningTasks.AsNoTracking()
            .Where(t => t.Status == ProvisioningTaskStatus.Failed || t.Status == ProvisioningTaskStatus.NeedsReview)
            .Select(t => new { t.ErrorSignature, t.LastError, t.UpdatedUtc }).ToListAsync(ct);
        return rows.GroupBy(r => r.ErrorSignature ?? "unknown")
            .Select(g => new FailureGroup(g.Key, g.Count(), g.OrderByDescending(r => r.UpdatedUtc).First().LastError, g.Max(r => r.UpdatedUtc)))
            .OrderByDescending(g => g.Count).ThenBy(g => g.Signature, StringComparer.Ordinal).ToList();
    }

    public async Task<List<DomainExchange>> ExchangesAsync(long taskId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.HttpExchanges.AsNoTracking().Where(x => x.TaskId == taskId).OrderBy(x => x.Sequence).ToListAsync(ct);
    }


    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max] + "…";
}

/// <summary>WSRETRY: recovers at start-up, then runs due tasks on the interval, on demand, and single tasks for instant provisioning.</summary>
public sealed class ProvisioningRunner(
    ProvisioningQueue queue,
    ProvisioningTaskService tasks,
    IOptionsMonitor<ProvisioningOptions> options,
    ILogger<ProvisioningRunner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await tasks.RecoverAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Provisioning recovery failed");
        }

        var nextScheduled = DateTime.UtcNow.AddSeconds(Math.Max(1, options.CurrentValue.IntervalSeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            ProvisioningWork? work = null;
            var wait = nextScheduled - DateTime.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(wait);
                try
                {
                    work = await queue.Reader.ReadAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // The interval elapsed.
                }
            }

            try
            {
                if (work?.TaskId is { } id)
                {
                    await tasks.RunTaskAsync(id, stoppingToken);
                }
                else
                {
                    var ran = await tasks.RunDueAsync(stoppingToken);
                    if (ran > 0) logger.LogInformation("WSRETRY ({Trigger}) ran {Count} task(s)", work?.Trigger ?? "schedule", ran);
                    if (work is null) nextScheduled = DateTime.UtcNow.AddSeconds(Math.Max(1, options.CurrentValue.IntervalSeconds));
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Provisioning run failed");
            }
        }
    }
}
