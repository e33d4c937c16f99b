using System.Diagnostics;
using System.Globalization;
using System.Text;
using AdminPortal.Core.Connectors;
using AdminPortal.Core.Connectors.Auth;
using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Connectors.Import;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Web.Features.Audit;
using AdminPortal.Web.Features.Connections;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using DomainExchange = AdminPortal.Core.Domain.HttpExchange;
using EngineExchange = AdminPortal.Core.Connectors.Http.HttpExchange;

namespace AdminPortal.Web.Features.Imports;

public sealed record ImportRequest(string Endpoint, string Mode = "full", bool Preview = false, string Trigger = "manual", string RequestedBy = "system", long? ApprovesRunId = null);

/// <summary>The plan of a run, kept on the run for previews, threshold stops and approval.</summary>
public sealed record PlanSummary(
    int AccountsToAdd, int AccountsToUpdate, int AccountsUnchanged, int AccountsToSuspend, int AccountsToInactivate,
    int EntitlementsToAdd, int EntitlementsToUpdate, int EntitlementsToInactivate, int LinksToAdd, int LinksToRemove,
    string RemovalPhase, string? RemovalBlockedReason, int AccountRemovalsWanted, int LinkRemovalsWanted, int EntitlementRemovalsWanted,
    IReadOnlyList<string> SampleAdded, IReadOnlyList<string> SampleSuspendedOrInactivated, IReadOnlyList<string> SampleChanged,
    IReadOnlyList<PlanSampleAccount>? SampleAddedAccounts = null, IReadOnlyList<PlanSampleEntitlement>? SampleAddedEntitlements = null);

/// <summary>An account the plan adds, as read (the first 50 are kept on the plan).</summary>
public sealed record PlanSampleAccount(string AccountId, string? Name);

/// <summary>An entitlement value the plan adds, as read (the first 50 are kept on the plan).</summary>
public sealed record PlanSampleEntitlement(string EntitlementType, string EntitlementId, string? Value);

/// <summary>
/// Application Data Import: runs the connector engine for an endpoint, stages what it read, and only when
/// the read is proven complete applies the reconciliation plan in one transaction. A run stopped by the
/// deletion guard changes nothing until an administrator approves it.
/// </summary>
public class ImportService(
    IDbContextFactory<AdminPortalDbContext> dbFactory,
    ConnectorEngineFactory engines,
    JobProgressNotifier notifier,
    ImportQueue queue,
    AuditService audit,
    TimeProvider clock,
    ILogger<ImportService> logger)
{
    public const string HttpClientName = ConnectorEngineFactory.HttpClientName;
    public const int MaxRecordedExchanges = 5000;

    /// <summary>Creates a queued run; the runner executes runs one after another (so two never overlap).</summary>
    public async Task<long> QueueAsync(ImportRequest request, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var endpoint = await db.Endpoints.SingleOrDefaultAsync(e => e.Name == request.Endpoint, ct)
                       ?? throw new KeyNotFoundException($"No endpoint named '{request.Endpoint}'.");
        if (request.Mode is not ("full" or "incremental")) throw new ArgumentException($"Mode '{request.Mode}' is not full or incremental.");
        var run = new JobRun
        {
            Kind = JobKind.ApplicationDataImport,
            EndpointId = endpoint.Id,
            Mode = request.Mode,
            IsPreview = request.Preview,
            Status = JobRunStatus.Queued,
            Trigger = request.Trigger,
            RequestedBy = request.RequestedBy,
            QueuedUtc = clock.GetUtcNow().UtcDateTime,
            JobId = await db.Jobs.Where(j => j.EndpointId == endpoint.Id && j.Kind == JobKind.ApplicationDataImport).Select(j => (int?)j.Id).FirstOrDefaultAsync(ct),
            PlanJson = request.ApprovesRunId is { } approved ? JsonConvert.SerializeObject(new { approves = approved }) : null,
        };
        db.JobRuns.Add(run);
        db.AuditEvents.Add(audit.Create(request.RequestedBy, request.Preview ? "import.preview" : "import.queue", "endpoint", endpoint.Name,
            $"mode={request.Mode} trigger={request.Trigger}{(request.ApprovesRunId is null ? "" : $" approves={request.ApprovesRunId}")}"));
        await db.SaveChangesAsync(ct);
        queue.Enqueue(run.Id);
        return run.Id;
    }

    /// <summary>Approves a run stopped by the threshold guard: a new run applies removals up to the counts shown.</summary>
    public async Task<long> ApproveAsync(long runId, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.JobRuns.SingleOrDefaultAsync(r => r.Id == runId, ct) ?? throw new KeyNotFoundException($"No run {runId}.");
        if (run.Status != JobRunStatus.ThresholdReached) throw new InvalidOperationException($"Run {runId} is {run.Status}; only a run stopped by the threshold guard can be approved.");
        var endpoint = await db.Endpoints.SingleAsync(e => e.Id == run.EndpointId, ct);
        return await QueueAsync(new ImportRequest(endpoint.Name, run.Mode, false, "approval", actor, runId), ct);
    }

    public async Task ExecuteAsync(long runId, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        var log = new StringBuilder();
        void Log(string line) => log.Append(clock.GetUtcNow().UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)).Append(' ').AppendLine(line);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.JobRuns.SingleAsync(r => r.Id == runId, ct);
        if (run.Status != JobRunStatus.Queued) return;
        run.Status = JobRunStatus.Running;
        run.StartedUtc = run.HeartbeatUtc = clock.GetUtcNow().UtcDateTime;
        run.Phase = "starting";
        await db.SaveChangesAsync(ct);

        var recorder = new CappedRecorder(MaxRecordedExchanges);
        try
        {
            var endpoint = await db.Endpoints.Include(e => e.SecuritySystem).ThenInclude(s => s!.ImportConnection).ThenInclude(c => c!.Attributes)
                .Include(e => e.EntitlementTypes).SingleAsync(e => e.Id == run.EndpointId, ct);
            var connection = endpoint.SecuritySystem?.ImportConnection
                             ?? throw new ImportSetupException($"Security system '{endpoint.SecuritySystem?.Name}' has no connection for import.");
            if (connection.ConnectionJsonNeedsEntry)
                throw new ImportSetupException($"Connection '{connection.Name}': ConnectionJSON needs to be entered (the package carried another tenant's ciphertext).");
            var attributes = engines.DecryptAttributes(connection);
            var connector = ConnectorEngineFactory.Parse(connection.Name, attributes);
            if (connector.Import is null) throw new ImportSetupException($"Connection '{connection.Name}' has no ImportAccountEntJSON.");
            Log($"endpoint {endpoint.Name}, connection {connection.Name}, mode {run.Mode}{(run.IsPreview ? " (preview)" : "")}");

            var engine = engines.Create(connection, attributes, recorder);

            var lastBeat = Stopwatch.StartNew();
            var sink = new StagingSink(async (progress, records) =>
            {
                var rate = records / Math.Max(stopwatch.Elapsed.TotalSeconds, 0.001);
                await notifier.PublishAsync(new JobProgress(runId, progress.Phase, progress.Page, records, rate, stopwatch.Elapsed, $"{progress.Call} page {progress.Page}", false));
                if (lastBeat.Elapsed < TimeSpan.FromSeconds(2)) return;
                lastBeat.Restart();
                await using var beat = await dbFactory.CreateDbContextAsync(ct);
                await beat.JobRuns.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.HeartbeatUtc, clock.GetUtcNow().UtcDateTime)
                    .SetProperty(r => r.Phase, progress.Phase)
                    .SetProperty(r => r.Read, records), ct);
            });

            var result = await engine.RunImportAsync(connector, sink, ct);
            run.Pages = (int)Math.Min(int.MaxValue, result.RequestCount);
            run.Read = sink.Accounts.Count;
            foreach (var warning in result.Warnings.Take(200)) Log("warning: " + warning);
            Log($"read {sink.Accounts.Count} account(s), {sink.Entitlements.Count} entitlement(s), {sink.Links.Count} link(s) in {result.RequestCount} request(s), {stopwatch.Elapsed.TotalSeconds:0.0} s");
            if (!result.IsComplete)
            {
                throw new ImportSetupException($"The read was not complete, nothing was changed: {result.Failure}");
            }

            await using var work = await dbFactory.CreateDbContextAsync(ct);
            var existing = await LoadExistingAsync(work, endpoint.Id, ct);
            var config = connector.StatusThreshold;
            var options = new ReconciliationOptions { Approved = await ApprovedRemovalsAsync(work, run, ct) };
            var plan = ReconciliationPlanner.Plan(existing.Accounts, existing.Entitlements, existing.Links, sink.Snapshot(true), config, options);
            run.PlanJson = JsonConvert.SerializeObject(Summarize(plan, sink));
            var planned = stopwatch.Elapsed;
            Log($"plan ({planned.TotalSeconds:0.0} s): +{plan.AccountsToAdd.Count} ~{plan.AccountsToUpdate.Count} ={plan.AccountsUnchanged} suspend {plan.AccountsToSuspend.Count} inactivate {plan.AccountsToInactivate.Count}; entitlements +{plan.EntitlementsToAdd.Count} ~{plan.EntitlementsToUpdate.Count} inactivate {plan.EntitlementsToInactivate.Count}; links +{plan.LinksToAdd.Count} -{plan.LinksToRemove.Count}");

            if (run.IsPreview)
            {
                Finish(run, JobRunStatus.PreviewReady, plan, null);
                Log("preview: nothing was written");
            }
            else if (plan.RemovalPhase == RemovalPhaseStatus.ThresholdReached)
            {
                Finish(run, JobRunStatus.ThresholdReached, plan, plan.RemovalBlockedReason);
                Log(plan.RemovalBlockedReason + " — nothing was changed; approve the run to apply it.");
            }
            else
            {
                run.Phase = "applying";
                await notifier.PublishAsync(new JobProgress(runId, "applying", run.Pages, sink.Records, 0, stopwatch.Elapsed, null, false));
                await ApplyAsync(work, endpoint, sink, plan, runId, ct);
                Finish(run, JobRunStatus.Succeeded, plan, null);
                Log($"applied in {(stopwatch.Elapsed - planned).TotalSeconds:0.0} s");
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            run.Status = JobRunStatus.Cancelled;
            run.Error = "Cancelled; nothing was changed.";
            Log(run.Error);
        }
        catch (Exception e) when (e is ImportSetupException or ConnectorConfigException)
        {
            run.Status = JobRunStatus.Failed;
            run.Error = e.Message;
            Log("failed: " + e.Message);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Import run {RunId} failed", runId);
            run.Status = JobRunStatus.Failed;
            run.Error = $"Unexpected error, nothing was changed: {e.Message}";
            Log("failed: " + e);
        }

        run.FinishedUtc = clock.GetUtcNow().UtcDateTime;
        run.Phase = run.Status.ToString();
        run.Log = log.ToString();
        db.HttpExchanges.AddRange(recorder.Exchanges.Select((x, i) => ToEntity(x, runId, i)));
        await db.SaveChangesAsync(CancellationToken.None);
        await notifier.PublishAsync(new JobProgress(runId, run.Status.ToString(), run.Pages, run.Read, 0, stopwatch.Elapsed, run.Error, true));
    }

    private static void Finish(JobRun run, JobRunStatus status, ReconciliationPlan plan, string? error)
    {
        run.Status = status;
        run.Error = error;
        run.Added = plan.AccountsToAdd.Count + plan.EntitlementsToAdd.Count;
        run.Changed = plan.AccountsToUpdate.Count + plan.EntitlementsToUpdate.Count;
        run.Unchanged = plan.AccountsUnchanged;
        run.Suspended = plan.AccountsToSuspend.Count;
        run.Inactivated = plan.AccountsToInactivate.Count + plan.EntitlementsToInactivate.Count;
    }

    private static PlanSummary Summarize(ReconciliationPlan p, StagingSink sink) => new(
        p.AccountsToAdd.Count, p.AccountsToUpdate.Count, p.AccountsUnchanged, p.AccountsToSuspend.Count, p.AccountsToInactivate.Count,
        p.EntitlementsToAdd.Count, p.EntitlementsToUpdate.Count, p.EntitlementsToInactivate.Count, p.LinksToAdd.Count, p.LinksToRemove.Count,
        p.RemovalPhase.ToString(), p.RemovalBlockedReason, p.AccountRemovalsWanted, p.LinkRemovalsWanted, p.EntitlementRemovalsWanted,
        p.AccountsToAdd.Take(50).ToList(), p.AccountsToSuspend.Concat(p.AccountsToInactivate).Take(50).ToList(), p.AccountsToUpdate.Take(50).ToList(),
        p.AccountsToAdd.Take(50).Select(id => new PlanSampleAccount(id, sink.Accounts.TryGetValue(id, out var a) ? a.Name : null)).ToList(),
        p.EntitlementsToAdd.Take(50).Select(k => new PlanSampleEntitlement(k.EntitlementType, k.EntitlementId,
            sink.Entitlements.TryGetValue((k.EntitlementType, k.EntitlementId), out var e) ? e.Value : null)).ToList());

    private static async Task<ApprovedRemovals?> ApprovedRemovalsAsync(AdminPortalDbContext db, JobRun run, CancellationToken ct)
    {
        if (run.PlanJson is null || JObject.Parse(run.PlanJson)["approves"] is not { } approves) return null;
        var approvedRun = await db.JobRuns.AsNoTracking().SingleAsync(r => r.Id == (long)approves, ct);
        var summary = JsonConvert.DeserializeObject<PlanSummary>(approvedRun.PlanJson!)!;
        return new ApprovedRemovals(summary.AccountRemovalsWanted, summary.LinkRemovalsWanted, summary.EntitlementRemovalsWanted);
    }

    private sealed record Existing(List<ExistingAccount> Accounts, List<ExistingEntitlement> Entitlements, List<LinkKey> Links);

    private static async Task<Existing> LoadExistingAsync(AdminPortalDbContext db, int endpointId, CancellationToken ct)
    {
        var accounts = await db.Accounts.AsNoTracking().Where(a => a.EndpointId == endpointId)
            .Select(a => new ExistingAccount(a.AccountId, a.ContentHash ?? "", a.Status == AccountStatus.Active || a.Status == AccountStatus.PendingCreate || a.Status == AccountStatus.Disabled))
            .ToListAsync(ct);
        var entitlements = await db.EntitlementValues.AsNoTracking().Where(v => v.EndpointId == endpointId)
            .Select(v => new ExistingEntitlement(v.EntitlementType!.Name, v.EntitlementId, v.ContentHash ?? "", v.Status == EntitlementStatus.Active))
            .ToListAsync(ct);
        var links = await (from l in db.AccountEntitlements
                           join a in db.Accounts on l.AccountId equals a.Id
                           join v in db.EntitlementValues on l.EntitlementValueId equals v.Id
                           where a.EndpointId == endpointId
                           select new LinkKey(a.AccountId, v.EntitlementType!.Name, v.EntitlementId)).ToListAsync(ct);
        return new Existing(accounts, entitlements, links);
    }

    private async Task ApplyAsync(AdminPortalDbContext db, Core.Domain.Endpoint endpoint, StagingSink sink, ReconciliationPlan plan, long runId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        await using var tx = await db.Database.BeginTransactionAsync(ct);

        // Entitlement types: those the connector declared, and any an entitlement names.
        var types = await db.EntitlementTypes.Where(t => t.EndpointId == endpoint.Id).ToDictionaryAsync(t => t.Name, StringComparer.Ordinal, ct);
        foreach (var name in sink.Types.Select(t => t.Name).Concat(sink.Entitlements.Keys.Select(k => k.Type)).Distinct())
        {
            if (types.ContainsKey(name)) continue;
            var declared = sink.Types.FirstOrDefault(t => t.Name == name);
            var type = new EntitlementType
            {
                EndpointId = endpoint.Id, Name = name, DisplayOrder = declared?.Order ?? types.Count + 1,
                CustomPropertyLabelsJson = declared is { Labels.Count: > 0 } ? JsonConvert.SerializeObject(declared.Labels) : null,
            };
            db.EntitlementTypes.Add(type);
            types[name] = type;
        }

        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);
        var typeNames = types.Values.ToDictionary(t => t.Id, t => t.Name);

        var values = (await db.EntitlementValues.Where(v => v.EndpointId == endpoint.Id).ToListAsync(ct))
            .ToDictionary(v => (typeNames[v.EntitlementTypeId], v.EntitlementId));
        foreach (var ((typeName, id), incoming) in sink.Entitlements)
        {
            if (!values.TryGetValue((typeName, id), out var value))
            {
                value = new EntitlementValue { EntitlementTypeId = types[typeName].Id, EndpointId = endpoint.Id, EntitlementId = id, Value = id, CreatedUtc = now };
                db.EntitlementValues.Add(value);
                values[(typeName, id)] = value;
            }
            else if (value.ContentHash == incoming.Hash && value.Status == EntitlementStatus.Active)
            {
                value.LastSeenRunId = runId;
                db.Entry(value).Property(v => v.LastSeenRunId).IsModified = true;
                continue;
            }

            ColumnMapper.ApplyEntitlement(value, incoming);
            value.Status = EntitlementStatus.Active;
            value.LastSeenRunId = runId;
            value.UpdatedUtc = now;
            if (value.Id != 0) db.Entry(value).State = EntityState.Modified;
        }

        foreach (var key in plan.EntitlementsToInactivate)
        {
            if (!values.TryGetValue((key.EntitlementType, key.EntitlementId), out var value)) continue;
            value.Status = EntitlementStatus.Inactive;
            value.UpdatedUtc = now;
            db.Entry(value).State = EntityState.Modified;
        }

        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);

        var correlate = await CorrelatorAsync(db, endpoint, ct);
        var accounts = (await db.Accounts.Where(a => a.EndpointId == endpoint.Id).ToListAsync(ct)).ToDictionary(a => a.AccountId, StringComparer.Ordinal);
        foreach (var (id, incoming) in sink.Accounts)
        {
            var importedStatus = incoming.Status == AccountImportStatus.Inactive ? AccountStatus.Inactive : AccountStatus.Active;
            if (!accounts.TryGetValue(id, out var account))
            {
                account = new Account { EndpointId = endpoint.Id, AccountId = id, Name = incoming.Name ?? id, CreatedUtc = now };
                db.Accounts.Add(account);
                accounts[id] = account;
            }
            else if (account.ContentHash == incoming.Hash && account.Status == importedStatus)
            {
                account.LastSeenRunId = runId;
                db.Entry(account).Property(a => a.LastSeenRunId).IsModified = true;
                continue;
            }

            ColumnMapper.ApplyAccount(account, incoming);
            account.Status = importedStatus;
            account.LastSeenRunId = runId;
            account.UpdatedUtc = now;
            account.OwnerUserId ??= correlate(account);
            if (account.Id != 0) db.Entry(account).State = EntityState.Modified;
        }

        foreach (var (ids, status) in new[] { (plan.AccountsToSuspend, AccountStatus.SuspendedFromImport), (plan.AccountsToInactivate, AccountStatus.Inactive) })
        {
            foreach (var id in ids)
            {
                if (!accounts.TryGetValue(id, out var account)) continue;
                account.Status = status;
                account.UpdatedUtc = now;
                db.Entry(account).State = EntityState.Modified;
            }
        }

        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);

        foreach (var link in plan.LinksToAdd)
        {
            if (!accounts.TryGetValue(link.AccountId, out var account) || !values.TryGetValue((link.EntitlementType, link.EntitlementId), out var value)) continue;
            db.AccountEntitlements.Add(new AccountEntitlement { AccountId = account.Id, EntitlementValueId = value.Id, Status = LinkStatus.Active, CreatedUtc = now });
        }

        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);
        foreach (var chunk in plan.LinksToRemove.Chunk(500))
        {
            foreach (var link in chunk)
            {
                if (!accounts.TryGetValue(link.AccountId, out var account) || !values.TryGetValue((link.EntitlementType, link.EntitlementId), out var value)) continue;
                await db.AccountEntitlements.Where(l => l.AccountId == account.Id && l.EntitlementValueId == value.Id).ExecuteDeleteAsync(ct);
            }
        }

        // Links granted by provisioning and now seen by the target are confirmed.
        var accountIds = accounts.Values.Select(a => a.Id).ToList();
        await db.AccountEntitlements.Where(l => l.Status == LinkStatus.PendingAdd && db.Accounts.Any(a => a.Id == l.AccountId && a.EndpointId == endpoint.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Status, LinkStatus.Active), ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Maps an account to its owner by the endpoint's correlation rule (e.g. name=username).</summary>
    private static async Task<Func<Account, int?>> CorrelatorAsync(AdminPortalDbContext db, Core.Domain.Endpoint endpoint, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(endpoint.CorrelationRule) || !CorrelationRules.TryParse(endpoint.CorrelationRule, out var rule, out _))
            return _ => null;
        var users = await db.Users.AsNoTracking().Select(u => new { u.Id, u.Username, u.Email, u.CustomProperty1, u.CustomProperty2, u.CustomProperty3 }).ToListAsync(ct);
        var lookup = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var u in users)
        {
            var key = rule.UserAttribute switch
            {
                "username" => u.Username,
                "email" => u.Email,
                "customproperty1" => u.CustomProperty1,
                "customproperty2" => u.CustomProperty2,
                _ => u.CustomProperty3,
            };
            if (!string.IsNullOrEmpty(key)) lookup.TryAdd(key, u.Id);
        }

        return account =>
        {
            var value = ColumnMapper.AccountColumn(account, rule.AccountColumn);
            return value is not null && lookup.TryGetValue(value, out var id) ? id : null;
        };
    }

    private static DomainExchange ToEntity(EngineExchange x, long runId, int sequence) => new()
    {
        JobRunId = runId,
        Sequence = sequence,
        StartedUtc = x.StartedAt.UtcDateTime,
        DurationMs = (int)x.Duration.TotalMilliseconds,
        Method = x.Method,
        Url = x.Url,
        OriginalUrl = x.Url == x.ConfiguredUrl ? null : $"{x.ConfiguredUrl}{(x.RewriteApplied is null ? "" : $"  (rewrite {x.RewriteApplied})")}",
        RequestHeaders = string.Join('\n', x.RequestHeaders.Select(h => $"{h.Key}: {h.Value}")),
        RequestBody = x.RequestBody,
        StatusCode = x.StatusCode,
        ResponseHeaders = string.Join('\n', x.ResponseHeaders.Select(h => $"{h.Key}: {h.Value}")),
        ResponseBody = x.ResponseBodyTruncated ? x.ResponseBody + "\n… (truncated)" : x.ResponseBody,
        Error = string.IsNullOrEmpty(x.Purpose) ? x.Error : $"{x.Purpose}{(x.Error is null ? "" : ": " + x.Error)}",
    };

    /// <summary>Keeps the first exchanges of a run (bodies are already capped and redacted by the engine).</summary>
    private sealed class CappedRecorder(int max) : IExchangeRecorder
    {
        private readonly List<EngineExchange> exchanges = [];

        public IReadOnlyList<EngineExchange> Exchanges
        {
            get
            {
                lock (exchanges) return [.. exchanges];
            }
        }

        public void Record(EngineExchange exchange)
        {
            lock (exchanges)
            {
                if (exchanges.Count < max) exchanges.Add(exchange);
            }
        }
    }
}

/// <summary>A problem with the setup or the read that fails the run before anything is written.</summary>
public sealed class ImportSetupException(string message) : Exception(message);
