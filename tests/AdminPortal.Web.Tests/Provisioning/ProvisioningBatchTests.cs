using System.Collections.Concurrent;
using System.Net.Http.Json;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Provisioning;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Web.Tests.Provisioning;

/// <summary>
/// Batched WSRETRY passes (ADR-014): one claim transaction per batch, intent per task before its call, results written in
/// groups together with their requests' status; recovery of a batch claim after a crash; encrypted task payloads.
/// </summary>
public sealed class ProvisioningBatchTests
{
    private static readonly Dictionary<string, string> OnDemand = new(ProvisioningHarness.FastRetries) { ["Provisioning:IntervalSeconds"] = "3600" };

    /// <summary>Approved new-account requests, one per name (a task each, New).</summary>
    private static async Task<List<long>> ApprovedCreatesAsync(ProvisioningHarness h, params string[] names)
    {
        var requests = h.Service<AccessRequestService>();
        var ids = new List<long>();
        foreach (var name in names)
        {
            await h.AddUserAsync(name, "boss", name + "@example.test", ("CustomProperty4", name));
            var view = await requests.CreateAsync(new NewAccessRequest(h.Endpoint, null, true, [], "batch test", null), new Actor(name, false));
            await requests.DecideAsync(view.Id, true, "ok", new Actor("boss", false));
            ids.Add(view.Id);
        }

        return ids;
    }

    [Fact]
    public async Task Batch_OneTaskFailsAtTheTarget_OthersComplete_EachWithItsOwnExchangesAndRequestState()
    {
        await using var h = await ProvisioningHarness.StartAsync(SimulatedSystem.Confluent, instant: false, OnDemand);
        var requestIds = await ApprovedCreatesAsync(h, "svc-b1", "svc-b2", "svc-b3", "svc-b4");
        h.Sim.Faults.Add(FaultRule.OnCall(FaultKind.InternalError500, 2, "/iam/v2/service-accounts"));

        Assert.Equal(4, await h.Service<ProvisioningTaskService>().RunDueAsync(CancellationToken.None));

        var tasks = new List<ProvisioningTask>();
        foreach (var id in requestIds) tasks.Add(Assert.Single(await h.TasksOfAsync(id)));
        Assert.All(tasks, t => Assert.Equal(1, t.Attempts));
        Assert.All(tasks, t => Assert.Null(t.IntentRecordedUtc));
        var failed = tasks[1];
        Assert.Equal(ProvisioningTaskStatus.Failed, failed.Status);
        Assert.NotNull(failed.NextAttemptUtc); // a 500 is retried
        Assert.Contains("HTTP 500", failed.ErrorSignature);
        foreach (var t in tasks.Where(t => t.Id != failed.Id)) Assert.True(t.Status == ProvisioningTaskStatus.Completed, t.LastError);
        foreach (var name in new[] { "svc-b1", "svc-b3", "svc-b4" }) Assert.Single(h.Sim.State.GetAccounts(), a => a.Attributes.GetValueOrDefault("display_name") == name);
        Assert.DoesNotContain(h.Sim.State.GetAccounts(), a => a.Attributes.GetValueOrDefault("display_name") == "svc-b2");

        await using var db = h.Db();
        foreach (var t in tasks)
        {
            // each task carries only its own exchange, numbered from 0
            var exchanges = await db.HttpExchanges.AsNoTracking().Where(x => x.TaskId == t.Id).ToListAsync();
            var exchange = Assert.Single(exchanges);
            Assert.Equal(0, exchange.Sequence);
            if (t.Id == failed.Id) Assert.Equal(500, exchange.StatusCode);
            else Assert.InRange(exchange.StatusCode ?? 0, 200, 299);
        }

        var states = await db.AccessRequests.AsNoTracking().Where(r => requestIds.Contains(r.Id)).ToDictionaryAsync(r => r.Id, r => r.Status);
        Assert.Equal(AccessRequestStatus.Approved, states[requestIds[1]]);
        foreach (var id in requestIds.Where(id => id != requestIds[1])) Assert.Equal(AccessRequestStatus.Provisioned, states[id]);
    }

    [Fact]
    public async Task Restart_AfterABatchClaim_StartedTaskNeedsReview_ClaimedButNotStartedBackInQueue_ThenRunOnce()
    {
        await using var first = await ProvisioningHarness.StartAsync(SimulatedSystem.Confluent, instant: false, OnDemand);
        var requestIds = await ApprovedCreatesAsync(first, "svc-r1", "svc-r2", "svc-r3");
        var past = DateTime.UtcNow.AddMinutes(-5);

        // the state a crash leaves mid-batch: all three claimed in one transaction; the first had its intent recorded
        // (its call may have left); the second came from New, the third from a due retry — neither was started
        await using (var db = first.Db())
        {
            var t = await db.ProvisioningTasks.Where(x => requestIds.Contains(x.AccessRequestId!.Value)).OrderBy(x => x.Id).ToListAsync();
            foreach (var x in t) x.Status = ProvisioningTaskStatus.InProgress;
            t[0].Attempts = 1;
            t[0].IntentRecordedUtc = past;
            (t[2].Attempts, t[2].NextAttemptUtc, t[2].LastError) = (1, past, "HTTP 500 earlier");
            await db.SaveChangesAsync();
        }

        first.Sim.ClearRequests();
        await using var restarted = await ProvisioningHarness.StartAsync(SimulatedSystem.Confluent, instant: false, OnDemand, existingDataDirectory: first.DataDirectory);
        var states = new List<ProvisioningTask>();
        foreach (var id in requestIds) states.Add(Assert.Single(await restarted.WaitForTasksAsync(id, t => t.Status != ProvisioningTaskStatus.InProgress)));
        Assert.Equal(ProvisioningTaskStatus.NeedsReview, states[0].Status);
        Assert.Equal((ProvisioningTaskStatus.New, 0), (states[1].Status, states[1].Attempts));
        Assert.Equal((ProvisioningTaskStatus.Failed, 1, past), (states[2].Status, states[2].Attempts, states[2].NextAttemptUtc!.Value));
        Assert.All(states.Skip(1), t => Assert.Null(t.IntentRecordedUtc));
        await using (var db = restarted.Db())
            Assert.True(await db.AuditEvents.AnyAsync(e => e.Action == "provisioning.release"));

        Assert.Equal(2, await restarted.Service<ProvisioningTaskService>().RunDueAsync(CancellationToken.None));
        Assert.Equal(ProvisioningTaskStatus.NeedsReview, Assert.Single(await restarted.TasksOfAsync(requestIds[0])).Status);
        var two = Assert.Single(await restarted.TasksOfAsync(requestIds[1]));
        var three = Assert.Single(await restarted.TasksOfAsync(requestIds[2]));
        Assert.Equal((ProvisioningTaskStatus.Completed, 1), (two.Status, two.Attempts));
        Assert.Equal((ProvisioningTaskStatus.Completed, 2), (three.Status, three.Attempts));
        Assert.DoesNotContain(first.Sim.Requests, r => r.Method == "POST" && r.Body.Contains("svc-r1", StringComparison.Ordinal)); // the data directory's connection points at the first simulator
    }

    /// <summary>
    /// At every commit of an explicit transaction, the state of the watched tasks and request as that transaction sees them.
    /// The result group writes its task states with prepared SQL and the request's status with EF (ADR-016), so the claim
    /// "one save" is observed where it matters: the commit that makes them visible.
    /// </summary>
    private sealed class CommitRecorder : DbTransactionInterceptor
    {
        public List<long> TaskIds { get; } = [];
        public long RequestId { get; set; }
        public ConcurrentQueue<List<string>> Commits { get; } = new();

        public override async ValueTask<InterceptionResult> TransactionCommittingAsync(System.Data.Common.DbTransaction transaction, TransactionEventData eventData,
            InterceptionResult result, CancellationToken cancellationToken = default)
        {
            if (TaskIds.Count > 0)
            {
                var state = new List<string>();
                await using var command = transaction.Connection!.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = $"SELECT 'task ' || Id, Status FROM ProvisioningTasks WHERE Id IN ({string.Join(", ", TaskIds)}) "
                                      + $"UNION ALL SELECT 'request ' || Id, Status FROM AccessRequests WHERE Id = {RequestId} ORDER BY 1";
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        var what = reader.GetString(0);
                        var status = reader.GetInt32(1);
                        state.Add(what.StartsWith("task", StringComparison.Ordinal) ? $"{what} {(ProvisioningTaskStatus)status}" : $"{what} {(AccessRequestStatus)status}");
                    }
                }

                Commits.Enqueue(state);
            }

            return await base.TransactionCommittingAsync(transaction, eventData, result, cancellationToken);
        }
    }

    [Fact]
    public async Task GroupedResults_TwoTasksOfOneRequestInOneGroup_TheyAndTheRequestsNewStatusAreOneCommit()
    {
        var recorder = new CommitRecorder();
        await using var h = await ProvisioningHarness.StartAsync(SimulatedSystem.SapBtp, instant: false, OnDemand, correlationRule: "name=email",
            services: s => s.ConfigureDbContext<AdminPortalDbContext>(o => o.AddInterceptors(recorder)));
        var member = h.Sim.State.GetAccounts().First(a => a.Active);
        await h.AddUserAsync("gina", "boss", member.Name);
        await h.ImportAsync();
        var type = h.Sim.State.EntitlementTypes.Single();
        var groups = h.Sim.State.GetEntitlements(type).Where(g => h.Sim.State.GetMembershipsOf(member.Id).All(m => m.EntitlementId != g.Id)).Take(2).Select(g => g.Id).ToList();
        Assert.Equal(2, groups.Count);
        List<long> valueIds;
        await using (var db = h.Db())
            valueIds = await db.EntitlementValues.Where(v => groups.Contains(v.EntitlementId)).Select(v => v.Id).ToListAsync();

        var created = JObject.Parse(await (await h.ApiClient("admin").PostAsJsonAsync("/api/requests",
            new { endpoint = h.Endpoint, @for = "gina", entitlementValueIds = valueIds, businessJustification = "two groups" })).Content.ReadAsStringAsync());
        var requestId = (long)created["id"]!;
        await h.Service<AccessRequestService>().DecideAsync(requestId, true, null, new Actor("boss", false));
        var taskIds = (await h.TasksOfAsync(requestId)).Select(t => t.Id).ToList();
        Assert.Equal(2, taskIds.Count);
        recorder.RequestId = requestId;
        recorder.TaskIds.AddRange(taskIds);

        Assert.Equal(2, await h.Service<ProvisioningTaskService>().RunDueAsync(CancellationToken.None));

        Assert.All(await h.TasksOfAsync(requestId), t => Assert.True(t.Status == ProvisioningTaskStatus.Completed, t.LastError));
        // the first commit that shows a completed task shows both, and the request Provisioned
        var commit = recorder.Commits.First(c => c.Any(x => x.EndsWith(" Completed", StringComparison.Ordinal)));
        Assert.Contains($"task {taskIds[0]} Completed", commit);
        Assert.Contains($"task {taskIds[1]} Completed", commit);
        Assert.Contains($"request {requestId} Provisioned", commit);
        Assert.DoesNotContain(recorder.Commits.TakeWhile(c => c != commit), c => c.Contains($"request {requestId} Provisioned"));
        foreach (var g in groups) Assert.Contains(h.Sim.State.GetMembershipsOf(member.Id), m => m.EntitlementId == g);
    }

    [Fact]
    public async Task Payload_EncryptedInTheDatabase_DecryptedOnlyForTheEngine_PlainRowsFromBeforeStillReadAndEncryptedAtStartUp()
    {
        await using var first = await ProvisioningHarness.StartAsync(SimulatedSystem.Confluent, instant: false, OnDemand);
        await first.AddUserAsync("svc-payload", "boss", "payload@example.test", ("CustomProperty4", "payload"));
        var secret = "PAYLOADpw" + Guid.NewGuid().ToString("N")[..12];
        var json = $$"""{"password":"{{secret}}","note":"kept"}""";
        long taskId, legacyId;
        int endpointId, userId;
        await using (var db = first.Db())
        {
            endpointId = (await db.Endpoints.SingleAsync(e => e.Name == first.Endpoint)).Id;
            userId = (await db.Users.SingleAsync(u => u.Username == "svc-payload")).Id;
            var service = first.Service<ProvisioningTaskService>();
            var added = service.Add(db, [new NewTask(ProvisioningTaskType.CreateAccount, endpointId, null, userId, null, null, json), new NewTask(ProvisioningTaskType.CreateAccount, endpointId, null, userId, null, null)]);
            await db.SaveChangesAsync();
            (taskId, legacyId) = (added[0].Id, added[1].Id);
            // a row written before payloads were encrypted
            await db.Database.ExecuteSqlAsync($"UPDATE ProvisioningTasks SET PayloadJson = {json} WHERE Id = {legacyId}");
        }

        async Task<string?> RawAsync(ProvisioningHarness h, long id)
        {
            await using var db = h.Db();
            var connection = db.Database.GetDbConnection();
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT PayloadJson FROM ProvisioningTasks WHERE Id = {id}";
            return (string?)await command.ExecuteScalarAsync();
        }

        var stored = await RawAsync(first, taskId);
        Assert.StartsWith(TaskPayloadProtector.Prefix, stored);
        Assert.DoesNotContain(secret, stored);
        Assert.Equal(json, await RawAsync(first, legacyId));

        // the request builder decrypts (and reads the plain legacy row as it is); the password never becomes a request attribute
        var builder = first.Service<ProvisioningRequestBuilder>();
        await using (var db = first.Db())
        {
            foreach (var id in new[] { taskId, legacyId })
            {
                var request = await builder.BuildAsync(db, await db.ProvisioningTasks.AsNoTracking().SingleAsync(t => t.Id == id), null, CancellationToken.None);
                Assert.Equal(secret, request.Password);
                Assert.Equal("kept", request.RequestAttributes["note"]);
                Assert.False(request.RequestAttributes.ContainsKey("password"));
            }
        }

        // the API never shows a payload
        var listed = await first.ApiClient("admin").GetStringAsync($"/api/tasks?endpoint={first.Endpoint}");
        Assert.DoesNotContain(secret, listed);
        Assert.DoesNotContain(TaskPayloadProtector.Prefix, listed);

        // start-up encrypts the plain row; the engine still gets the password (the create succeeds, the password is redacted)
        await using var restarted = await ProvisioningHarness.StartAsync(SimulatedSystem.Confluent, instant: false, OnDemand, existingDataDirectory: first.DataDirectory);
        var reencrypted = await RawAsync(restarted, legacyId);
        Assert.StartsWith(TaskPayloadProtector.Prefix, reencrypted);
        Assert.DoesNotContain(secret, reencrypted);
        Assert.True(await restarted.Service<ProvisioningTaskService>().RunTaskAsync(taskId, CancellationToken.None));
        await using (var db = restarted.Db())
        {
            var task = await db.ProvisioningTasks.AsNoTracking().SingleAsync(t => t.Id == taskId);
            Assert.True(task.Status == ProvisioningTaskStatus.Completed, task.LastError);
            Assert.False(await db.HttpExchanges.AnyAsync(x => x.TaskId == taskId && (x.RequestBody ?? "").Contains(secret)));
        }
    }
}
