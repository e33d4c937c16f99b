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
    ProvisioningRequestBuilder requests,
    TaskPayloadProtector payloads,
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
            EntitlementValueId = t.EntitlementValueId, AccessRequestId = t.AccessRequestId, PayloadJson = payloads.Protect(t.PayloadJson), CreatedUtc = now, UpdatedUtc = now,
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

    /// <summary>
    /// Start-up recovery (ADR-011, ADR-014): tasks whose intent was recorded but whose result never was go to NeedsReview, none is
    /// resent; tasks a WSRETRY batch claimed but never started (InProgress without an intent: nothing was sent) go back to the
    /// queue. Payloads stored before payloads were encrypted are encrypted now.
    /// </summary>
    public async Task<int> RecoverAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var open = await db.ProvisioningTasks.Where(t => t.IntentRecordedUtc != null || t.Status == ProvisioningTaskStatus.InProgress).ToListAsync(ct);
        int recovered = 0, released = 0;
        foreach (var task in open)
        {
            if (ProvisioningRules.NeedsReviewAfterRestart(task.Status, task.IntentRecordedUtc))
            {
                task.Status = ProvisioningTaskStatus.NeedsReview;
                task.LastError = $"The portal stopped after sending attempt {task.Attempts} (intent recorded {task.IntentRecordedUtc:u}) and before recording its result; check the target, then retry or complete the task manually.";
                task.ErrorSignature = "interrupted: result unknown";
                task.NextAttemptUtc = null;
                task.UpdatedUtc = Now;
                recovered++;
            }
            else if (ProvisioningRules.ReleasedAfterRestart(task.Status, task.IntentRecordedUtc, task.Attempts) is { } back)
            {
                task.Status = back;
                task.UpdatedUtc = Now;
                released++;
            }
        }

        if (recovered > 0)
        {
            db.AuditEvents.Add(audit.Create("system", "provisioning.recover", "tasks", null, $"{recovered} task(s) to NeedsReview"));
            logger.LogWarning("{Count} provisioning task(s) had a recorded intent and no result at start-up; they need review", recovered);
        }

        if (released > 0)
        {
            db.AuditEvents.Add(audit.Create("system", "provisioning.release", "tasks", null, $"{released} claimed task(s) never started; back in the queue"));
            logger.LogInformation("{Count} provisioning task(s) were claimed by a WSRETRY batch but never started; they are due again", released);
        }

        var plain = await db.ProvisioningTasks.Where(t => t.PayloadJson != null && t.PayloadJson != "" && !t.PayloadJson.StartsWith(TaskPayloadProtector.Prefix)).ToListAsync(ct);
        foreach (var task in plain) task.PayloadJson = payloads.Protect(task.PayloadJson);
        if (plain.Count > 0) logger.LogInformation("Encrypted the payload of {Count} provisioning task(s) stored before payloads were encrypted", plain.Count);

        await db.SaveChangesAsync(ct);
        return recovered;
    }

    /// <summary>One WSRETRY pass: due tasks, oldest first, within each connection's provisioningLimit, in batches of
    /// <see cref="ProvisioningOptions.BatchSize"/> (ADR-014), with one engine session per connection for the whole pass.</summary>
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
        var pass = new PassSessions(connectors, limits);
        var ran = 0;
        foreach (var batch in picked.Chunk(Math.Max(1, options.CurrentValue.BatchSize)))
        {
            ct.ThrowIfCancellationRequested();
            ran += await RunBatchAsync(batch, pass, ct);
        }

        return ran;
    }

    /// <summary>Runs one task if it is due (instant provisioning). Returns false when it was not (already running, closed, or not yet due).</summary>
    public async Task<bool> RunTaskAsync(long taskId, CancellationToken ct) =>
        await RunBatchAsync([taskId], new PassSessions(connectors, new Dictionary<int, ProvisioningLimits>()), ct) > 0;

    /// <summary>
    /// A batch: claim the due tasks in one transaction; load their request inputs in a few queries; then per task, in order,
    /// record its intent (one conditional one-row update, before anything can leave the portal), run it, and keep its result
    /// until the group is written — at the end of the batch, or once the oldest unwritten result is
    /// <see cref="ProvisioningOptions.ResultFlushMilliseconds"/> old, also while a call is still in flight. Claimed tasks
    /// that were not started when the batch stops go back to the queue.
    /// </summary>
    private async Task<int> RunBatchAsync(IReadOnlyList<long> ids, PassSessions pass, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Database.OpenConnectionAsync(ct); // one connection for the claim, the inputs and every intent
        var claims = await ClaimAsync(db, ids, ct);
        if (claims.Count == 0) return 0;
        var pending = new PendingResults(TimeSpan.FromMilliseconds(Math.Max(0, options.CurrentValue.ResultFlushMilliseconds)), clock);
        var next = 0;
        var ran = 0;
        try
        {
            var inputs = await ProvisioningRequestBuilder.LoadAsync(db, claims.Select(c => (c.Task, c.Account)).ToList(), ct);
            for (; next < claims.Count; next++)
            {
                ct.ThrowIfCancellationRequested();
                var claim = claims[next];
                if (!await RecordIntentAsync(db, claim, ct)) continue;
                var endpoint = inputs.Endpoints[claim.Task.EndpointId];
                var run = AttemptAsync(claim, endpoint, inputs, pass, ct);
                while (!run.IsCompleted && pending.Due is { } due)
                {
                    // the group's results come due while this call is in flight: write them now, not after it
                    if (await Task.WhenAny(run, due) != run) await WriteResultsAsync(pending);
                }

                var result = await run;
                pending.Add(new Attempted(claim.Task.Id, claim.Account?.Id, endpoint, result));
                ran++;
                if (pending.IsDue) await WriteResultsAsync(pending);
                if (pass.WaitBetweenTasks(endpoint.SecuritySystem?.ProvisioningConnectionId) is { } wait && wait > TimeSpan.Zero && next + 1 < claims.Count)
                    await Task.Delay(wait, clock, ct);
            }
        }
        finally
        {
            // Attempts that finished are recorded even when the batch stops (shutdown, database error): only the one in flight keeps its intent.
            if (pending.Count > 0) await WriteResultsAsync(pending);
            if (next < claims.Count) await ReleaseAsync(db, claims.Skip(next).ToList());
        }

        return ran;
    }

    /// <summary>A task claimed by a batch: as read (InProgress, account resolved), the account, and the claim's time stamp.</summary>
    private sealed record Claim(ProvisioningTask Task, Account? Account, DateTime ClaimedUtc);

    /// <summary>A finished attempt waiting to be written with its group.</summary>
    private sealed record Attempted(long TaskId, long? AccountId, Core.Domain.Endpoint Endpoint, ProvisioningResult Result);

    /// <summary>Results not yet written, and when the oldest of them must be.</summary>
    private sealed class PendingResults(TimeSpan flushAfter, TimeProvider clock)
    {
        private List<Attempted> _items = [];
        public Task? Due { get; private set; }
        public int Count => _items.Count;
        public bool IsDue => Due is { IsCompleted: true };

        public void Add(Attempted attempted)
        {
            if (_items.Count == 0) Due = flushAfter <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(flushAfter, clock);
            _items.Add(attempted);
        }

        public List<Attempted> TakeAll()
        {
            var items = _items;
            _items = [];
            Due = null;
            return items;
        }
    }

    /// <summary>The engine session of each provisioning connection for one pass (tokens shared across its tasks), built on first use.</summary>
    private sealed class PassSessions(ProvisioningConnectorFactory connectors, IReadOnlyDictionary<int, ProvisioningLimits> limits)
    {
        private readonly Dictionary<int, (ProvisioningSession? Session, Exception? Error)> _sessions = new();

        public async Task<ProvisioningSession> SessionAsync(int connectionId, CancellationToken ct)
        {
            if (!_sessions.TryGetValue(connectionId, out var entry))
            {
                try
                {
                    var connector = await connectors.CreateAsync(connectionId, NullExchangeRecorder.Instance, ct);
                    entry = (connector.Engine.OpenProvisioningSession(connector.Definition), null);
                }
                catch (Exception e) when (e is ProvisioningSetupException or ConnectorConfigException or NotSupportedException)
                {
                    entry = (null, e); // every task of the connection fails with the same setup error
                }

                _sessions[connectionId] = entry;
            }

            if (entry.Error is { } error) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
            return entry.Session!;
        }

        public TimeSpan? WaitBetweenTasks(int? connectionId) => connectionId is { } id && limits.TryGetValue(id, out var l) ? l.WaitBetweenTasks : null;
    }

    /// <summary>
    /// Claims the due tasks among <paramref name="ids"/> in one transaction (each by a conditional update on the state it was
    /// read in, so another runner or an administrator's cancel wins), in the order given. Access tasks of a request that also
    /// creates the account wait (without spending an attempt) until it exists. No intent yet: nothing is sent until
    /// <see cref="RecordIntentAsync"/>.
    /// </summary>
    private async Task<List<Claim>> ClaimAsync(AdminPortalDbContext db, IReadOnlyList<long> ids, CancellationToken ct)
    {
        var now = Now;
        var order = ids.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        var due = (await db.ProvisioningTasks.AsNoTracking().Where(t => ids.Contains(t.Id)).ToListAsync(ct))
            .Where(t => ProvisioningRules.IsDue(t.Status, t.NextAttemptUtc, now)).OrderBy(t => order[t.Id]).ToList();
        if (due.Count == 0) return [];

        var accountIds = due.Select(t => t.AccountId).OfType<long>().Distinct().ToList();
        var accounts = await db.Accounts.AsNoTracking().Where(a => accountIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, ct);
        Account? AccountOf(ProvisioningTask t) => t.AccountId is { } id ? accounts.GetValueOrDefault(id) : null;
        var lookups = due.Where(t => AccountOf(t) is null && t.Type != ProvisioningTaskType.CreateAccount && t.UserId is not null).ToList();
        var owned = new Dictionary<(int EndpointId, int UserId), Account>();
        var creating = new HashSet<(int EndpointId, int UserId)>();
        if (lookups.Count > 0)
        {
            var endpointIds = lookups.Select(t => t.EndpointId).Distinct().ToList();
            var userIds = lookups.Select(t => t.UserId!.Value).Distinct().ToList();
            foreach (var a in await db.Accounts.AsNoTracking()
                         .Where(a => endpointIds.Contains(a.EndpointId) && a.OwnerUserId != null && userIds.Contains(a.OwnerUserId.Value) && a.Status != AccountStatus.Inactive)
                         .OrderBy(a => a.Id).ToListAsync(ct))
                owned.TryAdd((a.EndpointId, a.OwnerUserId!.Value), a);
            foreach (var c in await db.ProvisioningTasks.AsNoTracking()
                         .Where(t => t.Type == ProvisioningTaskType.CreateAccount && endpointIds.Contains(t.EndpointId) && t.UserId != null && userIds.Contains(t.UserId.Value)
                                     && t.Status != ProvisioningTaskStatus.Completed && t.Status != ProvisioningTaskStatus.Cancelled && !(t.Status == ProvisioningTaskStatus.Failed && t.NextAttemptUtc == null))
                         .Select(t => new { t.EndpointId, UserId = t.UserId!.Value }).ToListAsync(ct))
                creating.Add((c.EndpointId, c.UserId));
        }

        var claims = new List<Claim>(due.Count);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        foreach (var task in due)
        {
            var account = AccountOf(task);
            if (account is null && lookups.Contains(task))
            {
                var key = (task.EndpointId, task.UserId!.Value);
                account = owned.GetValueOrDefault(key);
                if (account is null && creating.Contains(key))
                {
                    var wait = now.AddSeconds(Math.Max(1, options.CurrentValue.IntervalSeconds));
                    await Unchanged(db, task).ExecuteUpdateAsync(s => s
                        .SetProperty(t => t.NextAttemptUtc, wait)
                        .SetProperty(t => t.LastError, "Waiting for the account to be created.")
                        .SetProperty(t => t.UpdatedUtc, now), ct);
                    continue;
                }
            }

            var accountId = account?.Id ?? task.AccountId;
            // plain SQL (same columns and conditions as Unchanged): this and the intent run once per task, and LINQ
            // ExecuteUpdate costs several times the statement itself
            var claimed = await db.Database.ExecuteSqlAsync(
                $"UPDATE ProvisioningTasks SET Status = {(int)ProvisioningTaskStatus.InProgress}, UpdatedUtc = {now}, AccountId = {accountId} WHERE Id = {task.Id} AND Status = {(int)task.Status} AND UpdatedUtc = {task.UpdatedUtc}", ct);
            if (claimed == 0) continue;
            task.Status = ProvisioningTaskStatus.InProgress;
            task.UpdatedUtc = now;
            task.AccountId = accountId;
            claims.Add(new Claim(task, account, now));
        }

        await tx.CommitAsync(ct);
        return claims;
    }

    /// <summary>The task, only while it is as it was read.</summary>
    private static IQueryable<ProvisioningTask> Unchanged(AdminPortalDbContext db, ProvisioningTask read) =>
        db.ProvisioningTasks.Where(t => t.Id == read.Id && t.Status == read.Status && t.UpdatedUtc == read.UpdatedUtc);

    /// <summary>
    /// Records the intent of a claimed task (Attempts + 1, IntentRecordedUtc) in its own small commit before its first call,
    /// so that after a crash exactly the tasks that may have reached the target need review. False when the claim was taken
    /// back meanwhile (start-up recovery of another portal process): the task is not ours to run.
    /// </summary>
    private async Task<bool> RecordIntentAsync(AdminPortalDbContext db, Claim claim, CancellationToken ct)
    {
        var now = Now;
        var task = claim.Task;
        var recorded = await db.Database.ExecuteSqlAsync(
            $"UPDATE ProvisioningTasks SET Attempts = Attempts + 1, IntentRecordedUtc = {now}, UpdatedUtc = {now} WHERE Id = {task.Id} AND Status = {(int)ProvisioningTaskStatus.InProgress} AND IntentRecordedUtc IS NULL AND UpdatedUtc = {claim.ClaimedUtc}", ct);
        if (recorded == 0) return false;
        task.Attempts++;
        task.IntentRecordedUtc = now;
        task.UpdatedUtc = now;
        return true;
    }

    /// <summary>Claimed tasks that were never started go back to the queue in the state they were claimed from.</summary>
    private async Task ReleaseAsync(AdminPortalDbContext db, List<Claim> claims)
    {
        try
        {
            var now = Now;
            foreach (var claim in claims)
            {
                var back = ProvisioningRules.StatusBeforeClaim(claim.Task.Attempts);
                await db.ProvisioningTasks
                    .Where(t => t.Id == claim.Task.Id && t.Status == ProvisioningTaskStatus.InProgress && t.IntentRecordedUtc == null && t.UpdatedUtc == claim.ClaimedUtc)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, back).SetProperty(t => t.UpdatedUtc, now), CancellationToken.None);
            }
        }
        catch (Exception e)
        {
            // start-up recovery releases them instead
            logger.LogError(e, "Could not release {Count} claimed provisioning task(s)", claims.Count);
        }
    }

    /// <summary>Runs one claimed task whose intent is recorded. Never throws except for cancellation.</summary>
    private async Task<ProvisioningResult> AttemptAsync(Claim claim, Core.Domain.Endpoint endpoint, ProvisioningInputs inputs, PassSessions pass, CancellationToken ct)
    {
        var task = claim.Task;
        try
        {
            if (claim.Account is null && task.Type != ProvisioningTaskType.CreateAccount)
                throw new ProvisioningSetupException($"No account of the user on endpoint '{endpoint.Name}' for {task.Type}.");
            var connectionId = endpoint.SecuritySystem?.ProvisioningConnectionId
                               ?? throw new ProvisioningSetupException($"Security system '{endpoint.SecuritySystem?.Name}' has no provisioning connection.");
            var session = await pass.SessionAsync(connectionId, ct);
            return await session.RunAsync(requests.Build(inputs, task, claim.Account), ct);
        }
        catch (Exception e) when (e is ProvisioningSetupException or ConnectorConfigException or NotSupportedException)
        {
            return new ProvisioningResult { Success = false, NotConfigured = true, Error = e.Message, ErrorSignature = "setup: " + e.GetType().Name.Replace("Exception", "", StringComparison.Ordinal) };
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down mid-call: the intent stays recorded, so start-up recovery sends the task to review.
            throw;
        }
        catch (Exception e)
        {
            // The session never throws but for cancellation: this failed before any call was sent.
            logger.LogError(e, "Provisioning task {TaskId} failed unexpectedly", task.Id);
            return new ProvisioningResult { Success = false, Error = "Unexpected error: " + e.Message, ErrorSignature = "unexpected: " + e.GetType().Name };
        }
    }

    /// <summary>
    /// Writes a group of results in one transaction: each task's state (intent cleared), the accounts and links it changed, its
    /// redacted exchanges and audit event, and the status of every request whose tasks moved — so nobody ever sees a final task
    /// under a stale request. A fixed handful of queries whatever the group size.
    /// </summary>
    private async Task WriteResultsAsync(PendingResults pending)
    {
        var items = pending.TakeAll();
        var ct = CancellationToken.None; // results of calls that were sent are always recorded
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // ApplySuccess looks rows up in Local, which would scan every tracked entity for changes on each call: detect once, before saving
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        var now = Now;
        var ids = items.Select(i => i.TaskId).ToList();
        var tasks = await db.ProvisioningTasks.Where(t => ids.Contains(t.Id)).ToDictionaryAsync(t => t.Id, ct);
        var accountIds = items.Select(i => i.AccountId).OfType<long>().Distinct().ToList();
        var accounts = await db.Accounts.Where(a => accountIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, ct);
        var targetIds = items.Where(i => i.Result.Success && tasks[i.TaskId].Type == ProvisioningTaskType.CreateAccount).Select(i => TargetId(i.Result)).OfType<string>().Distinct().ToList();
        if (targetIds.Count > 0)
        {
            var endpointIds = items.Select(i => i.Endpoint.Id).Distinct().ToList();
            await db.Accounts.Where(a => endpointIds.Contains(a.EndpointId) && targetIds.Contains(a.AccountId)).LoadAsync(ct);
        }

        var valueIds = items.Where(i => i.Result.Success).Select(i => tasks[i.TaskId].EntitlementValueId).OfType<long>().Distinct().ToList();
        if (valueIds.Count > 0 && accountIds.Count > 0)
            await db.AccountEntitlements.Where(l => accountIds.Contains(l.AccountId) && valueIds.Contains(l.EntitlementValueId)).LoadAsync(ct);
        var sequenceStarts = await db.HttpExchanges.Where(x => x.TaskId != null && ids.Contains(x.TaskId.Value))
            .GroupBy(x => x.TaskId!.Value).Select(g => new { TaskId = g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.TaskId, g => g.Count, ct);

        var changed = new List<ProvisioningTask>(items.Count);
        foreach (var item in items)
        {
            var task = tasks[item.TaskId];
            var result = item.Result;
            var account = item.AccountId is { } aid ? accounts.GetValueOrDefault(aid) : null;
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
                ApplySuccess(db, task, item.Endpoint, account, result, now);
            }
            else
            {
                task.LastError = Truncate((partial ? "Partly applied — an earlier call succeeded, so the account may exist; check the target, then retry or complete manually. " : "")
                                          + (result.Error ?? "The target did not confirm the operation."), 4000);
                task.ErrorSignature = Truncate(result.ErrorSignature ?? "unknown", 300);
            }

            var sequenceStart = sequenceStarts.GetValueOrDefault(task.Id);
            db.HttpExchanges.AddRange(result.Exchanges.Take(MaxExchangesPerAttempt).Select((x, i) => ExchangeRows.From(x, sequenceStart + i, taskId: task.Id)));
            db.AuditEvents.Add(audit.Create("system", "provisioning.attempt", "task", task.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"{task.Type} attempt {task.Attempts}: {task.Status}{(outcome.NextAttemptUtc is { } n ? $", next {n:u}" : "")}{(result.Success ? "" : " — " + task.LastError)}"));
            changed.Add(task);
        }

        // The requests' status moves in the same transaction as their tasks.
        await UpdateRequestsAsync(db, changed, ct);
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);
        foreach (var task in changed)
            logger.LogInformation("Provisioning task {TaskId} ({Type}) attempt {Attempt}: {Status}", task.Id, task.Type, task.Attempts, task.Status);

        var created = items.Where(i => tasks[i.TaskId] is { Type: ProvisioningTaskType.CreateAccount, Status: ProvisioningTaskStatus.Completed } && i.Endpoint.SecuritySystem?.InstantProvisioning == true)
            .Select(i => tasks[i.TaskId]).ToList();
        if (created.Count > 0 && await InstantGloballyOnAsync(ct))
        {
            // Access tasks that waited for these accounts can go now.
            foreach (var task in created)
            {
                foreach (var id in await db.ProvisioningTasks.AsNoTracking().Where(t => t.EndpointId == task.EndpointId && t.UserId == task.UserId && t.Id != task.Id && t.Status == ProvisioningTaskStatus.New)
                             .Select(t => t.Id).ToListAsync(ct))
                {
                    await db.ProvisioningTasks.Where(t => t.Id == id).ExecuteUpdateAsync(s => s.SetProperty(t => t.NextAttemptUtc, (DateTime?)null), ct);
                    queue.RunTask(id);
                }
            }
        }
    }

    /// <summary>The target's id of a created account: accountIdPath, else the mapped accountID or name.</summary>
    private static string? TargetId(ProvisioningResult result) =>
        result.AccountId ?? result.AccountProperties.GetValueOrDefault("accountID") ?? result.AccountProperties.GetValueOrDefault("name");

    /// <summary>The account and link changes of a successful attempt. Existing accounts (by target id) and links must be loaded into
    /// <paramref name="db"/> already (<see cref="WriteResultsAsync"/> loads them for the whole group).</summary>
    private static void ApplySuccess(AdminPortalDbContext db, ProvisioningTask task, Core.Domain.Endpoint endpoint, Account? account, ProvisioningResult result, DateTime now)
    {
        switch (task.Type)
        {
            case ProvisioningTaskType.CreateAccount:
            {
                var props = result.AccountProperties;
                var targetId = TargetId(result);
                if (targetId is null) break;
                var existing = db.Accounts.Local.FirstOrDefault(a => a.EndpointId == endpoint.Id && a.AccountId == targetId);
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
                var link = db.AccountEntitlements.Local.FirstOrDefault(l => l.AccountId == account.Id && l.EntitlementValueId == add);
                if (link is null) db.AccountEntitlements.Add(new AccountEntitlement { AccountId = account.Id, EntitlementValueId = add, Status = LinkStatus.PendingAdd, CreatedUtc = now });
                else if (link.Status == LinkStatus.PendingRemove) link.Status = LinkStatus.PendingAdd;
                break;
            }
            case ProvisioningTaskType.RemoveAccess when account is not null && task.EntitlementValueId is { } remove:
            {
                var link = db.AccountEntitlements.Local.FirstOrDefault(l => l.AccountId == account.Id && l.EntitlementValueId == remove);
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

    /// <summary>Moves the status of every request of <paramref name="changed"/> from its tasks' states, in <paramref name="db"/>'s
    /// pending changes (the caller saves, in the same transaction as the tasks); the changed tasks count with their unsaved state.</summary>
    private async Task UpdateRequestsAsync(AdminPortalDbContext db, IReadOnlyList<ProvisioningTask> changed, CancellationToken ct)
    {
        var requestIds = changed.Select(t => t.AccessRequestId).OfType<long>().Distinct().ToList();
        if (requestIds.Count == 0) return;
        var requests = await db.AccessRequests.Include(r => r.Endpoint).Include(r => r.Requester).Include(r => r.Beneficiary).Where(r => requestIds.Contains(r.Id)).ToListAsync(ct);
        var changedById = changed.ToDictionary(t => t.Id);
        var states = await db.ProvisioningTasks.AsNoTracking().Where(t => t.AccessRequestId != null && requestIds.Contains(t.AccessRequestId.Value))
            .Select(t => new { t.Id, RequestId = t.AccessRequestId!.Value, t.Status, t.NextAttemptUtc }).ToListAsync(ct);
        foreach (var request in requests)
        {
            var tasks = states.Where(t => t.RequestId == request.Id)
                .Select(t => changedById.TryGetValue(t.Id, out var c) ? (c.Status, c.NextAttemptUtc) : (t.Status, t.NextAttemptUtc)).ToList();
            var status = ProvisioningRules.RequestStatusFromTasks(request.Status, tasks.Select(t => (t.Status, t.Status != ProvisioningTaskStatus.Failed || t.NextAttemptUtc == null)).ToList());
            if (status == request.Status) continue;
            request.Status = status;
            var mine = changed.Where(t => t.AccessRequestId == request.Id).ToList();
            var cause = mine.LastOrDefault(t => t.Status == ProvisioningTaskStatus.Cancelled || t.Status == ProvisioningTaskStatus.Failed && t.NextAttemptUtc == null) ?? mine[^1];
            db.AuditEvents.Add(audit.Create("system", "request." + status.ToString().ToLowerInvariant(), "request", request.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                status == AccessRequestStatus.Failed ? $"task {cause.Id} {cause.Type}: {cause.LastError}" : null));
            if (status is AccessRequestStatus.Provisioned or AccessRequestStatus.Failed)
                await email.QueueAsync(db, status == AccessRequestStatus.Provisioned ? EmailEvent.Provisioned : EmailEvent.Failed, request, cause.LastError, ct);
        }
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
        await UpdateRequestsAsync(db, [task], ct);
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
        // Nobody waits on a pass: wait out an import's apply for the writer instead of failing after the request timeout (ADR-018).
        using var background = SqliteAdapter.BackgroundWork();
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
            catch (Exception e) when (SqliteAdapter.IsBusy(e))
            {
                // The writer stayed busy past the background wait: claimed tasks went back to the queue; the next interval tries again.
                logger.LogWarning("WSRETRY pass stopped: the database stayed busy for longer than AdminPortal:BackgroundBusyTimeoutSeconds; retried on the next interval");
            }
            catch (Exception e)
            {
                logger.LogError(e, "Provisioning run failed");
            }
        }
    }
}
