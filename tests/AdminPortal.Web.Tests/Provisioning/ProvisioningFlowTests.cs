using System.Net;
using System.Net.Http.Json;
using AdminPortal.Core.Domain;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Provisioning;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Web.Tests.Provisioning;

/// <summary>
/// Request → approval → provisioning task → simulator → next import, through the real portal and the real engine,
/// with the packages' own JSON against their simulators.
/// </summary>
public class ProvisioningFlowTests
{
    private static async Task<JObject> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {text}");
        return JObject.Parse(text);
    }

    /// <summary>What the Request Access page does for a signed-in user.</summary>
    private static async Task<long> RequestNewAccountAsync(ProvisioningHarness h, string username)
    {
        var view = await h.Service<AccessRequestService>().CreateAsync(
            new NewAccessRequest(h.Endpoint, null, true, [], "Billing pipeline needs a service account", null), new Actor(username, false));
        Assert.Equal(AccessRequestStatus.PendingApproval, view.Status);
        return view.Id;
    }

    /// <summary>What the Approvals page does.</summary>
    private static Task<RequestView> ApproveAsync(ProvisioningHarness h, long id, string approver, string? comment = "ok") =>
        h.Service<AccessRequestService>().DecideAsync(id, true, comment, new Actor(approver, false));

    [Fact]
    public async Task Confluent_NewAccountRequest_ManagerApproves_InstantProvisioningCompletes_SimulatorHasIt_ImportConfirms()
    {
        await using var h = await ProvisioningHarness.StartAsync(SimulatedSystem.Confluent, instant: true);
        await h.AddUserAsync("svc-billing", "boss", "svc-billing@example.test", ("CustomProperty4", "Billing pipeline"));
        var before = h.Sim.State.GetAccounts().Count;

        var id = await RequestNewAccountAsync(h, "svc-billing");
        var approved = await ApproveAsync(h, id, "boss");
        Assert.Equal(AccessRequestStatus.Approved, approved.Status);

        var tasks = await h.WaitForTasksAsync(id, ProvisioningHarness.IsFinal);
        var task = Assert.Single(tasks);
        Assert.Equal(ProvisioningTaskType.CreateAccount, task.Type);
        Assert.True(task.Status == ProvisioningTaskStatus.Completed, task.LastError);
        Assert.Equal(1, task.Attempts);
        Assert.Null(task.IntentRecordedUtc);

        var created = Assert.Single(h.Sim.State.GetAccounts(), a => a.Attributes.GetValueOrDefault("display_name") == "svc-billing");
        Assert.Equal("Billing pipeline", created.Attributes["description"]);
        Assert.Equal(before + 1, h.Sim.State.GetAccounts().Count);

        await using (var db = h.Db())
        {
            var account = await db.Accounts.AsNoTracking().SingleAsync(a => a.Id == task.AccountId);
            Assert.Equal(created.Id, account.AccountId);
            Assert.Equal(AccountStatus.PendingCreate, account.Status);
            Assert.Equal("svc-billing", (await db.Users.SingleAsync(u => u.Id == account.OwnerUserId)).Username);
            Assert.True(await db.HttpExchanges.AnyAsync(x => x.TaskId == task.Id && x.Method == "POST"));
            Assert.Contains(await db.EmailOutbox.Select(m => m.Event).ToListAsync(), e => e == nameof(EmailEvent.Provisioned));
        }

        var view = await ReadAsync(await h.ApiClient("admin").GetAsync($"/api/requests/{id}"), HttpStatusCode.OK);
        Assert.Equal("Provisioned", (string?)view["status"]);
        Assert.Equal("Completed", (string?)view["tasks"]![0]!["state"]);

        await h.ImportAsync();
        await using (var db = h.Db())
        {
            var confirmed = await db.Accounts.AsNoTracking().Where(a => a.AccountId == created.Id).ToListAsync();
            Assert.Equal(AccountStatus.Active, Assert.Single(confirmed).Status);
            Assert.Equal(task.AccountId, confirmed[0].Id);
        }
    }

    [Fact]
    public async Task SapBtp_GroupRequest_InstantOff_StaysNewUntilWsRetryRuns_ThenSimulatorMembershipAndImportConfirms()
    {
        var settings = new Dictionary<string, string>(ProvisioningHarness.FastRetries) { ["Provisioning:IntervalSeconds"] = "3600" };
        await using var h = await ProvisioningHarness.StartAsync(SimulatedSystem.SapBtp, instant: false, settings, correlationRule: "name=email");
        var member = h.Sim.State.GetAccounts().First(a => a.Active);
        await h.AddUserAsync("ann", "boss", member.Name);
        await h.ImportAsync();

        var type = h.Sim.State.EntitlementTypes.Single();
        var group = h.Sim.State.GetEntitlements(type).First(g => h.Sim.State.GetMembershipsOf(member.Id).All(m => m.EntitlementId != g.Id));
        long valueId;
        await using (var db = h.Db())
        {
            Assert.NotNull(await db.Accounts.SingleAsync(a => a.AccountId == member.Id && a.OwnerUserId != null));
            valueId = await db.EntitlementValues.Where(v => v.EntitlementId == group.Id).Select(v => v.Id).SingleAsync();
        }

        // an administrator's automation asks on ann's behalf through the API; her manager approves on the Approvals page
        var created = await ReadAsync(await h.ApiClient("admin").PostAsJsonAsync("/api/requests",
            new { endpoint = h.Endpoint, @for = "ann", entitlementValueIds = new[] { valueId }, businessJustification = "Team work" }), HttpStatusCode.Created);
        var id = (long)created["id"]!;
        Assert.Equal("PendingApproval", (string?)created["status"]);
        await ApproveAsync(h, id, "boss", null);

        await Task.Delay(1500);
        var waiting = Assert.Single(await h.TasksOfAsync(id));
        Assert.Equal(ProvisioningTaskType.AddAccess, waiting.Type);
        Assert.Equal(ProvisioningTaskStatus.New, waiting.Status);
        Assert.DoesNotContain(h.Sim.State.GetMembershipsOf(member.Id), m => m.EntitlementId == group.Id);

        var admin = h.ApiClient("admin");
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync("/api/provisioning/run", null)).StatusCode);
        var task = Assert.Single(await h.WaitForTasksAsync(id, ProvisioningHarness.IsFinal));
        Assert.True(task.Status == ProvisioningTaskStatus.Completed, task.LastError);
        Assert.Contains(h.Sim.State.GetMembershipsOf(member.Id), m => m.EntitlementId == group.Id);

        await using (var db = h.Db())
            Assert.Equal(LinkStatus.PendingAdd, (await db.AccountEntitlements.SingleAsync(l => l.AccountId == task.AccountId && l.EntitlementValueId == valueId)).Status);

        var listed = JArray.Parse(await admin.GetStringAsync($"/api/tasks?state=Completed&endpoint={h.Endpoint}"));
        Assert.Contains(listed, t => (long)t["id"]! == task.Id);

        await h.ImportAsync();
        await using (var db = h.Db())
            Assert.Equal(LinkStatus.Active, (await db.AccountEntitlements.SingleAsync(l => l.AccountId == task.AccountId && l.EntitlementValueId == valueId)).Status);
    }

    [Fact]
    public async Task SapBtp_AdminRevokesAccessThenRemovesAccount_TasksRunInstantly_SimulatorAndRepositoryFollow()
    {
        await using var h = await ProvisioningHarness.StartAsync(SimulatedSystem.SapBtp, instant: true, correlationRule: "name=email");
        var member = h.Sim.State.GetAccounts().First(a => a.Active && h.Sim.State.GetMembershipsOf(a.Id).Count > 0);
        await h.AddUserAsync("ann", "boss", member.Name);
        await h.ImportAsync();
        var held = h.Sim.State.GetMembershipsOf(member.Id).First();
        long accountId, valueId;
        await using (var db = h.Db())
        {
            accountId = await db.Accounts.Where(a => a.AccountId == member.Id).Select(a => a.Id).SingleAsync();
            valueId = await db.EntitlementValues.Where(v => v.EntitlementId == held.EntitlementId).Select(v => v.Id).SingleAsync();
        }

        var service = h.Service<ProvisioningTaskService>();
        var revoke = await service.CreateForAccountAsync(accountId, ProvisioningTaskType.RemoveAccess, valueId, "admin");
        await Assert.ThrowsAsync<InvalidOperationException>(() => service.CreateForAccountAsync(accountId, ProvisioningTaskType.RemoveAccess, 999_999, "admin"));
        var done = await WaitForTaskAsync(h, revoke.Id);
        Assert.True(done.Status == ProvisioningTaskStatus.Completed, done.LastError);
        Assert.DoesNotContain(h.Sim.State.GetMembershipsOf(member.Id), m => m.EntitlementId == held.EntitlementId);
        await using (var db = h.Db())
            Assert.Equal(LinkStatus.PendingRemove, (await db.AccountEntitlements.SingleAsync(l => l.AccountId == accountId && l.EntitlementValueId == valueId)).Status);
        await h.ImportAsync();
        await using (var db = h.Db())
            Assert.False(await db.AccountEntitlements.AnyAsync(l => l.AccountId == accountId && l.EntitlementValueId == valueId));

        var remove = await service.CreateForAccountAsync(accountId, ProvisioningTaskType.RemoveAccount, null, "admin");
        Assert.True((await WaitForTaskAsync(h, remove.Id)).Status == ProvisioningTaskStatus.Completed);
        Assert.Null(h.Sim.State.GetAccount(member.Id));
        await using (var db = h.Db())
            Assert.Equal(AccountStatus.Inactive, (await db.Accounts.SingleAsync(a => a.Id == accountId)).Status);
    }

    private static async Task<ProvisioningTask> WaitForTaskAsync(ProvisioningHarness h, long taskId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var db = h.Db();
            var task = await db.ProvisioningTasks.AsNoTracking().SingleAsync(t => t.Id == taskId);
            if (ProvisioningHarness.IsFinal(task)) return task;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Task {taskId}: {task.Status} {task.LastError}");
            await Task.Delay(100);
        }
    }

    public static TheoryData<FaultKind> TargetFaults => new() { FaultKind.TooManyRequests429, FaultKind.InternalError500, FaultKind.Latency, FaultKind.ErrorBodyWith200 };

    [Theory]
    [MemberData(nameof(TargetFaults))]
    public async Task Confluent_CreateFailsAtTheTarget_RetriedOnSchedule_EndsFailedWithTheTargetsError_NoDuplicateCreate(FaultKind kind)
    {
        await using var h = await ProvisioningHarness.StartAsync(SimulatedSystem.Confluent, instant: true);
        await h.AddUserAsync("svc-faulty", "boss", "svc-faulty@example.test", ("CustomProperty4", "Fault test"));
        var rule = h.Sim.Faults.Add(new FaultRule
        {
            Kind = kind, PathPattern = "/iam/v2/service-accounts", Method = "POST", RetryAfterSeconds = 2, Latency = TimeSpan.FromSeconds(5),
        });

        var id = await RequestNewAccountAsync(h, "svc-faulty");
        await ApproveAsync(h, id, "boss");
        var task = Assert.Single(await h.WaitForTasksAsync(id, ProvisioningHarness.IsFinal, TimeSpan.FromSeconds(90)));

        Assert.Equal(ProvisioningTaskStatus.Failed, task.Status);
        Assert.Equal(3, task.Attempts);
        Assert.Null(task.NextAttemptUtc);
        Assert.Null(task.IntentRecordedUtc);
        Assert.False(string.IsNullOrWhiteSpace(task.LastError));
        Assert.False(string.IsNullOrWhiteSpace(task.ErrorSignature));
        if (kind is FaultKind.InternalError500 or FaultKind.ErrorBodyWith200) Assert.Contains("Injected fault", task.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(3, rule.FiredCount);
        Assert.DoesNotContain(h.Sim.State.GetAccounts(), a => a.Attributes.GetValueOrDefault("display_name") == "svc-faulty");

        // on schedule: attempt n+1 starts no sooner than the backoff (1 s, 2 s) — or the target's Retry-After (2 s) — after attempt n
        await using (var db = h.Db())
        {
            var starts = (await db.HttpExchanges.AsNoTracking().Where(x => x.TaskId == task.Id && x.Method == "POST").OrderBy(x => x.Sequence).ToListAsync())
                .Select(x => x.StartedUtc).ToList();
            Assert.Equal(3, starts.Count);
            var minimumGaps = kind == FaultKind.TooManyRequests429 ? new[] { 2.0, 2.0 } : [1.0, 2.0];
            for (var i = 1; i < starts.Count; i++)
                Assert.True((starts[i] - starts[i - 1]).TotalSeconds >= minimumGaps[i - 1] - 0.05, $"attempt {i + 1} came {(starts[i] - starts[i - 1]).TotalSeconds:0.00} s after attempt {i}");
            var request = await db.AccessRequests.AsNoTracking().SingleAsync(r => r.Id == id);
            Assert.Equal(AccessRequestStatus.Failed, request.Status);
        }

        // the target recovers; an administrator retries: exactly one service account is created
        h.Sim.Faults.Clear();
        var retried = await ReadAsync(await h.ApiClient("admin").PostAsync($"/api/tasks/{task.Id}/retry", null), HttpStatusCode.OK);
        Assert.Contains((string?)retried["state"], new[] { "New", "InProgress", "Completed" });
        Assert.Null((string?)retried["nextAttemptUtc"]);
        var done = Assert.Single(await h.WaitForTasksAsync(id, t => t.Status == ProvisioningTaskStatus.Completed));
        Assert.Equal(1, done.Attempts);
        Assert.Single(h.Sim.State.GetAccounts(), a => a.Attributes.GetValueOrDefault("display_name") == "svc-faulty");
    }

    [Fact]
    public async Task Restart_TaskWithRecordedIntent_BecomesNeedsReview_NotResent_OthersKept()
    {
        var settings = new Dictionary<string, string>(ProvisioningHarness.FastRetries) { ["Provisioning:IntervalSeconds"] = "3600" };
        await using var first = await ProvisioningHarness.StartAsync(SimulatedSystem.Confluent, instant: false, settings);
        await first.AddUserAsync("svc-one", "boss", "one@example.test", ("CustomProperty4", "one"));
        await first.AddUserAsync("svc-two", "boss", "two@example.test", ("CustomProperty4", "two"));
        var one = await RequestNewAccountAsync(first, "svc-one");
        var two = await RequestNewAccountAsync(first, "svc-two");
        await ApproveAsync(first, one, "boss");
        await ApproveAsync(first, two, "boss");

        // the portal stopped after recording the intent of task one (the call may have left), before its result
        await using (var db = first.Db())
        {
            var t = await db.ProvisioningTasks.SingleAsync(x => x.AccessRequestId == one);
            t.Status = ProvisioningTaskStatus.InProgress;
            t.Attempts = 1;
            t.IntentRecordedUtc = DateTime.UtcNow.AddMinutes(-1);
            await db.SaveChangesAsync();
        }

        first.Sim.ClearRequests();
        await using var restarted = await ProvisioningHarness.StartAsync(SimulatedSystem.Confluent, instant: false, settings, existingDataDirectory: first.DataDirectory);
        var reviewed = Assert.Single(await restarted.WaitForTasksAsync(one, t => t.Status != ProvisioningTaskStatus.InProgress));
        Assert.Equal(ProvisioningTaskStatus.NeedsReview, reviewed.Status);
        Assert.Equal(1, reviewed.Attempts);
        Assert.Contains("check the target", reviewed.LastError);
        var kept = Assert.Single(await restarted.TasksOfAsync(two));
        Assert.Equal(ProvisioningTaskStatus.New, kept.Status);
        Assert.Null(kept.IntentRecordedUtc);

        // a WSRETRY pass runs the new task but never resends the one under review
        await restarted.Service<ProvisioningTaskService>().RunDueAsync(CancellationToken.None);
        Assert.Equal(ProvisioningTaskStatus.NeedsReview, Assert.Single(await restarted.TasksOfAsync(one)).Status);
        Assert.Equal(ProvisioningTaskStatus.Completed, Assert.Single(await restarted.TasksOfAsync(two)).Status);
        Assert.DoesNotContain(restarted.Sim.State.GetAccounts().Concat(first.Sim.State.GetAccounts()), a => a.Attributes.GetValueOrDefault("display_name") == "svc-one");
    }

    [Fact]
    public async Task SameTask_RunTwiceAtOnce_OnlyOneClaimsIt_OneAttempt_OneAccount()
    {
        await using var h = await ProvisioningHarness.StartAsync(SimulatedSystem.Confluent, instant: false,
            new Dictionary<string, string>(ProvisioningHarness.FastRetries) { ["Provisioning:IntervalSeconds"] = "3600" });
        await h.AddUserAsync("svc-twice", "boss", "twice@example.test", ("CustomProperty4", "twice"));
        var id = await RequestNewAccountAsync(h, "svc-twice");
        await ApproveAsync(h, id, "boss");
        var taskId = Assert.Single(await h.TasksOfAsync(id)).Id;

        var service = h.Service<ProvisioningTaskService>();
        var ran = await Task.WhenAll(service.RunTaskAsync(taskId, CancellationToken.None), service.RunTaskAsync(taskId, CancellationToken.None));

        Assert.Single(ran, r => r);
        var task = Assert.Single(await h.TasksOfAsync(id));
        Assert.Equal(ProvisioningTaskStatus.Completed, task.Status);
        Assert.Equal(1, task.Attempts);
        Assert.Single(h.Sim.State.GetAccounts(), a => a.Attributes.GetValueOrDefault("display_name") == "svc-twice");
    }

    [Fact]
    public async Task RequestAttributes_RequiredEnforced_StoredAndBoundWithUserManagerAndApproverForTheEngine()
    {
        await using var h = await ProvisioningHarness.StartAsync(SimulatedSystem.Confluent, instant: false,
            new Dictionary<string, string>(ProvisioningHarness.FastRetries) { ["Provisioning:IntervalSeconds"] = "3600" });
        await h.AddUserAsync("svc-attrs", "boss", "attrs@example.test", ("CustomProperty4", "desc"), ("CustomProperty7", "cost-77"));
        await using (var db = h.Db())
        {
            var ep = await db.Endpoints.SingleAsync(e => e.Name == h.Endpoint);
            ep.RequestAttributesJson = """[{"name":"RoleType","label":"Role type","required":true},{"name":"Note","label":"Note"}]""";
            await db.SaveChangesAsync();
        }

        var service = h.Service<AccessRequestService>();
        var actor = new Actor("svc-attrs", false);
        var missing = await Assert.ThrowsAsync<RequestValidationException>(() => service.CreateAsync(new NewAccessRequest(h.Endpoint, null, true, [], "why", null), actor));
        Assert.Contains("attributes.RoleType", missing.Errors.Keys);
        var unknown = await Assert.ThrowsAsync<RequestValidationException>(() => service.CreateAsync(
            new NewAccessRequest(h.Endpoint, null, true, [], "why", new Dictionary<string, string?> { ["RoleType"] = "x", ["Bogus"] = "y" }), actor));
        Assert.Contains("attributes.Bogus", unknown.Errors.Keys);

        var view = await service.CreateAsync(new NewAccessRequest(h.Endpoint, null, true, [], "why", new Dictionary<string, string?> { ["roletype"] = "Operator" }), actor);
        Assert.Equal("Operator", view.Attributes["RoleType"]);
        await service.DecideAsync(view.Id, true, "go", new Actor("boss", false));

        await using (var db = h.Db())
        {
            var task = await db.ProvisioningTasks.SingleAsync(t => t.AccessRequestId == view.Id);
            var request = await h.Service<ProvisioningRequestBuilder>().BuildAsync(db, task, null, CancellationToken.None);
            Assert.Equal(ProvisioningTaskType.CreateAccount, request.Operation);
            Assert.Equal(view.Id, request.RequestId);
            Assert.Equal("Operator", request.RequestAttributes["RoleType"]);
            Assert.Equal("why", request.BusinessJustification);
            Assert.Equal("svc-attrs", request.User["username"]);
            Assert.Equal("cost-77", request.User["customproperty7"]);
            Assert.Equal("boss", request.User["manager"]);
            Assert.Equal("boss@example.test", request.UserManager!["email"]);
            Assert.Equal("boss", Assert.Single(request.Approvers)["username"]);
            Assert.Equal(h.Endpoint, request.Endpoint["endpointname"]);
            Assert.Equal("REQUEST", request.TaskAttributes["source"]);
            Assert.Null(request.Account);
        }
    }

    [Fact]
    public async Task Authorization_OthersCannotReadOrDecide_ApproverCannotApproveOwn_EnforcedInServiceAndApi()
    {
        await using var h = await ProvisioningHarness.StartAsync(SimulatedSystem.Confluent, instant: false,
            new Dictionary<string, string>(ProvisioningHarness.FastRetries) { ["Provisioning:IntervalSeconds"] = "3600" },
            approverMode: ApproverMode.NamedUsers, approverUsernames: "boss,admin2");
        await h.AddUserAsync("emp", "boss", "emp@example.test");
        await h.AddUserAsync("stranger", null, "stranger@example.test");
        await h.AddUserAsync("admin2", null, "admin2@example.test");
        await h.AddRoleAsync("admin2", SavRoles.Admin);
        var service = h.Service<AccessRequestService>();
        Actor emp = new("emp", false), stranger = new("stranger", false), boss = new("boss", false);

        var id = await RequestNewAccountAsync(h, "emp");
        await Assert.ThrowsAsync<KeyNotFoundException>(() => service.GetAsync(id, stranger));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => service.DecideAsync(id, true, "x", stranger));
        Assert.DoesNotContain(await service.MineAsync(stranger), r => r.Id == id);
        Assert.Empty(await service.InboxAsync(stranger));
        var own = await Assert.ThrowsAsync<AccessDeniedException>(() => service.DecideAsync(id, true, "x", emp));
        Assert.Contains("own request", own.Message);
        Assert.False((await service.GetAsync(id, emp)).CanDecide);
        Assert.True((await service.GetAsync(id, boss)).CanDecide);
        Assert.Contains(await service.InboxAsync(boss), r => r.Id == id);

        // requesting for someone who is not a report is refused; missing justification is a validation error
        await Assert.ThrowsAsync<AccessDeniedException>(() => service.CreateAsync(new NewAccessRequest(h.Endpoint, "emp", true, [], "x", null), stranger));
        var invalid = await Assert.ThrowsAsync<RequestValidationException>(() => service.CreateAsync(new NewAccessRequest(h.Endpoint, null, false, [], " ", null), emp));
        Assert.Contains("businessJustification", invalid.Errors.Keys);
        Assert.Contains("items", invalid.Errors.Keys);

        // rejecting needs a comment; a decided request cannot be decided again and creates no task
        await Assert.ThrowsAsync<RequestValidationException>(() => service.DecideAsync(id, false, "", boss));
        Assert.Equal(AccessRequestStatus.Rejected, (await service.DecideAsync(id, false, "not needed", boss)).Status);
        await Assert.ThrowsAsync<InvalidOperationException>(() => service.DecideAsync(id, true, "late", boss));
        Assert.Empty(await h.TasksOfAsync(id));

        // the API applies the same rules: an approver's token cannot approve the approver's own request
        var admin2 = h.ApiClient("admin2");
        var mine = await ReadAsync(await admin2.PostAsJsonAsync("/api/requests", new { endpoint = h.Endpoint, newAccount = true, businessJustification = "own" }), HttpStatusCode.Created);
        var denied = await admin2.PostAsJsonAsync($"/api/requests/{(long)mine["id"]!}/approve", new { comment = "self" });
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Contains("own request", await denied.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await admin2.GetAsync("/api/requests/999999")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin2.PostAsJsonAsync("/api/requests", new { endpoint = h.Endpoint, newAccount = false, businessJustification = "" })).StatusCode);
        var approved = await ReadAsync(await h.ApiClient("admin").PostAsJsonAsync($"/api/requests/{(long)mine["id"]!}/approve", new { comment = "fine" }), HttpStatusCode.OK);
        Assert.Equal("Approved", (string?)approved["status"]);
        Assert.Equal("CreateAccount", (string?)approved["tasks"]![0]!["type"]);

        // no token, no API (cookies are not accepted under /api)
        Assert.Equal(HttpStatusCode.Unauthorized, (await h.AnonymousClient().GetAsync($"/api/requests/{id}")).StatusCode);
    }
}
