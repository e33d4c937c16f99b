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
using AdminPortal.Web.Features.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

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
    IOptions<JobOptions> jobOptions,
    ILogger<ImportService> logger)
{
    public const string HttpClientName = ConnectorEngineFactory.HttpClientName;
    public const int MaxRecordedExchanges = 5000;

    /// <summary>Records read (accounts, entitlements, links) from which the read's garbage is collected before the apply.</summary>
    public const int ReleaseReadMemoryAbove = 50_000;

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

        var recorder = new ImportExchangeWriter(dbFactory, runId, MaxRecordedExchanges);
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
            Log("memory before the read: " + MemoryNote());

            var lastBeat = Stopwatch.StartNew();
            // Accounts and links stream into a staging file beside the database; the portal's tables are not touched
            // until the read is proven complete (the file is deleted when the run ends, whatever the outcome).
            using var staging = SqliteImportStaging.Create(db.Database.GetDbConnection(), runId, Account.CustomPropertyCount);
            string? readPhase = null;
            using var sink = new StagingSink(staging, async (progress, records) =>
            {
                // Where the read's time goes: one log line per phase (accounts, each entitlement type, links).
                if (progress.Phase != readPhase)
                {
                    if (readPhase is not null) Log($"read phase {readPhase} done at {stopwatch.Elapsed.TotalSeconds:0.0} s");
                    readPhase = progress.Phase;
                }

                if (recorder.HasBatch) await recorder.FlushAsync();
                var rate = records / Math.Max(stopwatch.Elapsed.TotalSeconds, 0.001);
                await notifier.PublishAsync(new JobProgress(runId, progress.Phase, progress.Page, records, rate, stopwatch.Elapsed, $"{progress.Call} page {progress.Page}", false));
                if (lastBeat.Elapsed < TimeSpan.FromSeconds(2)) return;
                lastBeat.Restart();
                await using var beat = await dbFactory.CreateDbContextAsync(ct);
                await beat.JobRuns.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s
                    .SetProperty(r => r.HeartbeatUtc, clock.GetUtcNow().UtcDateTime)
                    .SetProperty(r => r.Phase, progress.Phase)
                    .SetProperty(r => r.Read, records), ct);
            }, jobOptions.Value.PipelinedStaging);

            var result = await engine.RunImportAsync(connector, sink, ct);
            await sink.DrainAsync(ct);
            // Before the apply's write transaction (which would make this wait): the read made its last calls.
            await recorder.FlushAsync();
            run.Pages = (int)Math.Min(int.MaxValue, result.RequestCount);
            run.Read = sink.AccountCount;
            foreach (var warning in result.Warnings.Take(200)) Log("warning: " + warning);
            Log($"read {sink.AccountCount} account(s), {sink.Entitlements.Count} entitlement(s), {sink.LinkCount} link(s) in {result.RequestCount} request(s), {stopwatch.Elapsed.TotalSeconds:0.0} s");
            Log("memory after the read: " + MemoryNote());
            if (!result.IsComplete)
            {
                throw new ImportSetupException($"The read was not complete, nothing was changed: {result.Failure}");
            }

            if (staging.Resolution is { } resolved)
                Log($"links resolved in the staging file in {resolved.Duration.TotalSeconds:0.0} s ({resolved.Linked} distinct, {resolved.Unresolved} unresolved, {resolved.DroppedDuplicateAccounts} repeated account(s) dropped)");
            var phase = Stopwatch.StartNew();
            staging.Complete();
            Log($"staging indexed in {phase.Elapsed.TotalSeconds:0.0} s");
            Log("memory after staging: " + MemoryNote());
            if (sink.Records >= ReleaseReadMemoryAbove)
            {
                // The read leaves garbage that grows with the target (page bodies, token trees, strings: GBs allocated at
                // 1M accounts), which the GC hands back to the OS lazily; the apply then adds SQLite's page cache on top.
                // One compacting full collection between the two — once per large run, a pause of a fraction of a
                // second — keeps the import's peak at the larger phase instead of their sum (ADR-017).
                phase.Restart();
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                Log($"memory after releasing the read's garbage ({phase.Elapsed.TotalSeconds:0.0} s): " + MemoryNote());
            }

            await PlanAndApplyAsync(run, endpoint, connector.StatusThreshold, staging, sink, Log, stopwatch, ct);
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
        await recorder.FlushAsync();
        await db.SaveChangesAsync(CancellationToken.None);
        await notifier.PublishAsync(new JobProgress(runId, run.Status.ToString(), run.Pages, run.Read, 0, stopwatch.Elapsed, run.Error, true));
    }

    /// <summary>Where an import's memory is, for the run log (issue 6: the import's own footprint must stay flat with the target's size).</summary>
    /// SQLite's peak is the highest since the previous note, i.e. during the phase that just ended.
    private static string MemoryNote()
    {
        var (sqlite, sqlitePeak) = SqliteAdapter.NativeMemory(resetPeak: true);
        return $"managed heap {GC.GetTotalMemory(false) / 1048576} MB (GC committed {GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576} MB), " +
               $"SQLite {sqlite / 1048576} MB (peak {sqlitePeak / 1048576} MB), process working set {Environment.WorkingSet / 1048576} MB";
    }

    private static void Finish(JobRun run, JobRunStatus status, PlanSummary plan, string? error)
    {
        run.Status = status;
        run.Error = error;
        run.Added = plan.AccountsToAdd + plan.EntitlementsToAdd;
        run.Changed = plan.AccountsToUpdate + plan.EntitlementsToUpdate;
        run.Unchanged = plan.AccountsUnchanged;
        run.Suspended = plan.AccountsToSuspend;
        run.Inactivated = plan.AccountsToInactivate + plan.EntitlementsToInactivate;
    }

    private static async Task<ApprovedRemovals?> ApprovedRemovalsAsync(AdminPortalDbContext db, JobRun run, CancellationToken ct)
    {
        if (run.PlanJson is null || JObject.Parse(run.PlanJson)["approves"] is not { } approves) return null;
        var approvedRun = await db.JobRuns.AsNoTracking().SingleAsync(r => r.Id == (long)approves, ct);
        var summary = JsonConvert.DeserializeObject<PlanSummary>(approvedRun.PlanJson!)!;
        return new ApprovedRemovals(summary.AccountRemovalsWanted, summary.LinkRemovalsWanted, summary.EntitlementRemovalsWanted);
    }

    private sealed record EntitlementPlan(List<EntitlementKey> Add, List<EntitlementKey> Update, List<EntitlementKey> Remove);

    /// <summary>Entitlements are few (thousands, not millions): planned in memory exactly as ReconciliationPlanner does.</summary>
    private static async Task<EntitlementPlan> PlanEntitlementsAsync(AdminPortalDbContext db, int endpointId, StagingSink sink, StatusThresholdConfig? config, ReconciliationOptions options, CancellationToken ct)
    {
        var existing = (await db.EntitlementValues.AsNoTracking().Where(v => v.EndpointId == endpointId)
            .Select(v => new ExistingEntitlement(v.EntitlementType!.Name, v.EntitlementId, v.ContentHash ?? "", v.Status == EntitlementStatus.Active))
            .ToListAsync(ct)).ToDictionary(e => new EntitlementKey(e.EntitlementType, e.EntitlementId));
        var add = new List<EntitlementKey>();
        var update = new List<EntitlementKey>();
        foreach (var ((type, id), incoming) in sink.Entitlements)
        {
            var key = new EntitlementKey(type, id);
            if (!existing.TryGetValue(key, out var ex)) add.Add(key);
            else if (!string.Equals(ex.Hash, incoming.Hash, StringComparison.Ordinal)) update.Add(key);
        }

        var remove = ReconciliationPlanner.InactivatesMissingEntitlements(config, options)
            ? existing.Values.Where(e => e.IsActive && !sink.Entitlements.ContainsKey((e.EntitlementType, e.EntitlementId)))
                .Select(e => new EntitlementKey(e.EntitlementType, e.EntitlementId)).ToList()
            : [];
        return new EntitlementPlan(add, update, remove);
    }

    /// <summary>
    /// Plans set-based against the staging file (same decisions as ReconciliationPlanner: same switches, same guard) and,
    /// unless this is a preview or the guard stopped the run, applies everything in the one transaction the plan was
    /// read in: entitlement types and values through EF (few rows), accounts and links with bulk SQL.
    /// </summary>
    private async Task PlanAndApplyAsync(JobRun run, Core.Domain.Endpoint endpoint, StatusThresholdConfig? config, SqliteImportStaging staging, StagingSink sink,
        Action<string> log, Stopwatch stopwatch, CancellationToken ct)
    {
        var phase = Stopwatch.StartNew();
        await using var work = await dbFactory.CreateDbContextAsync(ct);
        work.ChangeTracker.AutoDetectChangesEnabled = false;
        await work.Database.OpenConnectionAsync(ct);
        var connection = work.Database.GetDbConnection();
        try
        {
            SqliteBulkImport.Attach(connection, staging);
            await using var tx = await work.Database.BeginTransactionAsync(ct);
            var bulk = SqliteBulkImport.For(connection, tx.GetDbTransaction(), endpoint.Id, Account.CustomPropertyCount, jobOptions.Value.BulkIndexRebuildMinRows);
            var options = new ReconciliationOptions { Approved = await ApprovedRemovalsAsync(work, run, ct) };
            var accounts = bulk.Plan(ReconciliationPlanner.DeletesLinksOfPresentAccounts(config, options), ReconciliationPlanner.DeletesLinksOfRemovedAccounts(config));
            var entitlements = await PlanEntitlementsAsync(work, endpoint.Id, sink, config, options, ct);
            var (status, blocked) = ReconciliationPlanner.Guard(new RemovalCounts(true, (int)staging.Accounts, accounts.ExistingAccounts, accounts.ActiveExistingAccounts,
                accounts.MissingActive, accounts.LinksToRemove, sink.Entitlements.Count, entitlements.Remove.Count), config, options);
            bool allowed = status == RemovalPhaseStatus.Allowed;
            bool inactivate = ReconciliationPlanner.InactivatesMissingAccounts(config);
            var summary = new PlanSummary(
                accounts.ToAdd, accounts.ToUpdate, accounts.Unchanged, allowed && !inactivate ? accounts.MissingActive : 0, allowed && inactivate ? accounts.MissingActive : 0,
                entitlements.Add.Count, entitlements.Update.Count, allowed ? entitlements.Remove.Count : 0, accounts.LinksToAdd, allowed ? accounts.LinksToRemove : 0,
                status.ToString(), blocked, accounts.MissingActive, accounts.LinksToRemove, entitlements.Remove.Count,
                accounts.SampleAdded, allowed ? accounts.SampleMissing : [], accounts.SampleChanged,
                // What a preview shows a person (onboarding, run detail): the first added accounts by name, and entitlements.
                accounts.SampleAddedNames.Select(a => new PlanSampleAccount(a.AccountId, a.Name)).ToList(),
                entitlements.Add.Take(50).Select(k => new PlanSampleEntitlement(k.EntitlementType, k.EntitlementId,
                    sink.Entitlements.TryGetValue((k.EntitlementType, k.EntitlementId), out var e) ? e.Value : null)).ToList());
            run.PlanJson = JsonConvert.SerializeObject(summary);
            log("memory after the plan: " + MemoryNote());
            log($"plan ({stopwatch.Elapsed.TotalSeconds:0.0} s, {phase.Elapsed.TotalSeconds:0.0} s set-based): +{summary.AccountsToAdd} ~{summary.AccountsToUpdate} ={summary.AccountsUnchanged} suspend {summary.AccountsToSuspend} inactivate {summary.AccountsToInactivate}; entitlements +{summary.EntitlementsToAdd} ~{summary.EntitlementsToUpdate} inactivate {summary.EntitlementsToInactivate}; links +{summary.LinksToAdd} -{summary.LinksToRemove}");

            if (run.IsPreview)
            {
                Finish(run, JobRunStatus.PreviewReady, summary, null);
                log("preview: nothing was written");
                return; // the transaction is rolled back on dispose; it wrote nothing but temp tables
            }

            if (status == RemovalPhaseStatus.ThresholdReached)
            {
                Finish(run, JobRunStatus.ThresholdReached, summary, blocked);
                log(blocked + " — nothing was changed; approve the run to apply it.");
                return;
            }

            run.Phase = "applying";
            await notifier.PublishAsync(new JobProgress(run.Id, "applying", run.Pages, sink.Records, 0, stopwatch.Elapsed, null, false));
            var planned = stopwatch.Elapsed;
            var now = clock.GetUtcNow().UtcDateTime;
            phase.Restart();
            await ApplyEntitlementsAsync(work, endpoint, sink, allowed ? entitlements.Remove : [], run.Id, now, ct);
            bulk.RebuildEntitlementMap();
            if (sink.Records >= ReleaseReadMemoryAbove)
            {
                // The plan and the entitlements (thousands of EF entities at 1M accounts) leave garbage the GC would keep
                // committed through the accounts and links steps, where SQLite's page cache and sorts add to it: one more
                // compacting collection, as after the read (ADR-017).
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                log("memory after the entitlements: " + MemoryNote());
            }

            var entitlementSeconds = phase.Elapsed.TotalSeconds;
            phase.Restart();
            var written = bulk.ApplyAccounts(run.Id, now, allowed ? (int)(inactivate ? AccountStatus.Inactive : AccountStatus.SuspendedFromImport) : null);
            if (await CorrelationAsync(work, endpoint, ct) is { } correlation) bulk.Correlate(run.Id, now, correlation.Column, correlation.OwnerOf);
            var accountSeconds = phase.Elapsed.TotalSeconds;
            log("memory after the accounts: " + MemoryNote());
            phase.Restart();
            var links = bulk.ApplyLinks(now, allowed, accounts.LinksToAdd);

            // Links granted by provisioning and now seen by the target are confirmed.
            await work.AccountEntitlements.Where(l => l.Status == LinkStatus.PendingAdd && work.Accounts.Any(a => a.Id == l.AccountId && a.EndpointId == endpoint.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(l => l.Status, LinkStatus.Active), ct);
            var linkSeconds = phase.Elapsed.TotalSeconds;
            log("memory after the links: " + MemoryNote());
            phase.Restart();
            await tx.CommitAsync(ct);
            Finish(run, JobRunStatus.Succeeded, summary, null);
            log("memory after the commit: " + MemoryNote());
            log($"applied in {(stopwatch.Elapsed - planned).TotalSeconds:0.0} s: entitlements {entitlementSeconds:0.0} s; accounts {accountSeconds:0.0} s (touched {written.Touched}, changed {written.Changed}, inserted {written.Inserted}, removed {written.Removed}, indexes rebuilt {written.IndexesRebuilt}); links {linkSeconds:0.0} s (+{links.Added} -{links.Removed}, indexes rebuilt {links.IndexesRebuilt}); building indexes {bulk.IndexBuildTime.TotalSeconds:0.0} s of those; commit {phase.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            SqliteBulkImport.Detach(connection);
            await work.Database.CloseConnectionAsync();
        }
    }

    private async Task ApplyEntitlementsAsync(AdminPortalDbContext db, Core.Domain.Endpoint endpoint, StagingSink sink, IReadOnlyList<EntitlementKey> toInactivate, long runId, DateTime now, CancellationToken ct)
    {
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

        foreach (var key in toInactivate)
        {
            if (!values.TryGetValue((key.EntitlementType, key.EntitlementId), out var value)) continue;
            value.Status = EntitlementStatus.Inactive;
            value.UpdatedUtc = now;
            db.Entry(value).State = EntityState.Modified;
        }

        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
    }

    /// <summary>The endpoint's correlation rule (e.g. name=username) as an account column and a lookup of its value.</summary>
    private static async Task<(string Column, Func<string?, int?> OwnerOf)?> CorrelationAsync(AdminPortalDbContext db, Core.Domain.Endpoint endpoint, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(endpoint.CorrelationRule) || !CorrelationRules.TryParse(endpoint.CorrelationRule, out var rule, out _))
            return null;
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

        return (rule.AccountColumn, value => value is not null && lookup.TryGetValue(value, out var id) ? id : null);
    }
}

/// <summary>A problem with the setup or the read that fails the run before anything is written.</summary>
public sealed class ImportSetupException(string message) : Exception(message);
