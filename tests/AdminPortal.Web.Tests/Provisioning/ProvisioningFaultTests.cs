using AdminPortal.Core.Domain;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Provisioning;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace AdminPortal.Web.Tests.Provisioning;

/// <summary>
/// Every fault the simulators offer, injected into the call of a provisioning task, for a RemoveAccess (SAP BTP package,
/// DELETE /Groups/{id}/members/{account}) and a CreateAccount (Confluent package, POST /iam/v2/service-accounts) task.
/// Every operation of the five packages has exactly one call in its JSON and the OAuth token (SAP BTP) is held by the
/// connection and reused, so a task's chain is one call: first, middle and last coincide (the probe in the fixture
/// asserts the chain the simulator sees).
/// After each case the task's state is truthful: Failed with a next attempt (no call of the operation succeeded and the
/// target returned no account id, so not NeedsReview), the target unchanged, the repository rows unchanged; then the
/// fault is cleared, an administrator retries, and the change happens exactly once. The one Completed: a 401 on the
/// SAP BTP call, which the auth profile answers by refreshing the token and resending once — asserted only together
/// with the target really changed, exactly once.
/// One portal and simulator are shared by all cases (<see cref="Fixture"/>).
/// </summary>
public sealed class ProvisioningFaultTests(ProvisioningFaultTests.Fixture fx, ITestOutputHelper output) : IClassFixture<ProvisioningFaultTests.Fixture>
{
    public sealed class Fixture : IAsyncLifetime
    {
        public ProvisioningHarness H { get; private set; } = null!;
        /// <summary>Confluent for CreateAccount: the SAP BTP package's CreateAccountJSON takes userName from
        /// user.customproperty22, which the portal's users do not have (CustomProperty1–20).</summary>
        public ProvisioningHarness Confluent { get; private set; } = null!;
        public string GroupType { get; private set; } = "";
        /// <summary>(method, path pattern) of the calls one task sends, in order, as observed on the simulator.</summary>
        public List<(string Method, string Path)> RemoveChain { get; } = [];
        private readonly Queue<(string Account, string Group)> _pairs = new();
        private int _users;

        public async Task InitializeAsync()
        {
            var settings = new Dictionary<string, string>(ProvisioningHarness.FastRetries)
                { ["Provisioning:IntervalSeconds"] = "3600", ["Provisioning:BaseDelaySeconds"] = "60", ["Provisioning:MaxDelaySeconds"] = "60" };
            Confluent = await ProvisioningHarness.StartAsync(SimulatedSystem.Confluent, instant: false, settings);
            H = await ProvisioningHarness.StartAsync(SimulatedSystem.SapBtp, instant: false, settings, correlationRule: "name=email");
            GroupType = H.Sim.State.EntitlementTypes.Single();
            var groups = H.Sim.State.GetEntitlements(GroupType);
            var accounts = H.Sim.State.GetAccounts().Where(a => a.Active).ToList();
            // every active account is made a member of every group: enough distinct (account, group) links for all cases
            foreach (var a in accounts)
                foreach (var g in groups)
                {
                    H.Sim.State.AddMembership(GroupType, a.Id, g.Id);
                    _pairs.Enqueue((a.Id, g.Id));
                }

            await H.ImportAsync();

            // Probe: the chain of calls one RemoveAccess task sends (the second task, so a token cached by the first would show).
            for (var i = 0; i < 2; i++)
            {
                var (_, taskId) = await NewRemoveAccessAsync();
                H.Sim.ClearRequests();
                Assert.True(await H.Service<ProvisioningTaskService>().RunTaskAsync(taskId, CancellationToken.None));
                if (i == 1) RemoveChain.AddRange(H.Sim.Requests.Select(r => (r.Method, r.Path)));
            }
        }

        public (string Account, string Group) NextPair() => _pairs.Dequeue();
        public string NextEmail() => $"fault.user{Interlocked.Increment(ref _users)}@example.test";

        public async Task<(long AccountId, long TaskId)> NewRemoveAccessAsync()
        {
            var (account, group) = NextPair();
            await using var db = H.Db();
            var accountId = await db.Accounts.Where(a => a.AccountId == account).Select(a => a.Id).SingleAsync();
            var valueId = await db.EntitlementValues.Where(v => v.EntitlementId == group).Select(v => v.Id).SingleAsync();
            var task = await H.Service<ProvisioningTaskService>().CreateForAccountAsync(accountId, ProvisioningTaskType.RemoveAccess, valueId, "admin");
            return (accountId, task.Id);
        }

        public async Task DisposeAsync()
        {
            await H.DisposeAsync();
            await Confluent.DisposeAsync();
        }
    }

    public static TheoryData<FaultKind> Kinds()
    {
        var data = new TheoryData<FaultKind>();
        foreach (var kind in Enum.GetValues<FaultKind>()) data.Add(kind);
        return data;
    }

    private static FaultRule Rule(FaultKind kind, (string Method, string Path) call) => new()
    {
        Kind = kind, Method = call.Method, PathPattern = call.Path, Times = 1,
        // beyond the connector's 2 s per-call timeout (ProvisioningHarness)
        Latency = TimeSpan.FromSeconds(4), RetryAfterSeconds = 1,
    };

    private static async Task<ProvisioningTask> TaskAsync(ProvisioningHarness h, long id)
    {
        await using var db = h.Db();
        return await db.ProvisioningTasks.AsNoTracking().SingleAsync(t => t.Id == id);
    }

    private static async Task<ProvisioningTask> WaitAsync(ProvisioningHarness h, long id, Func<ProvisioningTask, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var t = await TaskAsync(h, id);
            if (done(t)) return t;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"task {id}: {t.Status} attempts={t.Attempts} {t.LastError}");
            await Task.Delay(50);
        }
    }

    private static void AssertFailedWithNextAttempt(ProvisioningTask task, FaultKind kind)
    {
        Assert.True(task.Status == ProvisioningTaskStatus.Failed, $"{kind}: {task.Status} {task.LastError}");
        Assert.Equal(1, task.Attempts);
        Assert.NotNull(task.NextAttemptUtc);
        Assert.Null(task.IntentRecordedUtc);
        Assert.False(string.IsNullOrWhiteSpace(task.LastError));
    }

    private async Task<string> RepositoryRowsAsync(long accountId)
    {
        await using var db = fx.H.Db();
        var account = await db.Accounts.AsNoTracking().SingleAsync(a => a.Id == accountId);
        var links = await db.AccountEntitlements.AsNoTracking().Where(l => l.AccountId == accountId).OrderBy(l => l.EntitlementValueId)
            .Select(l => $"{l.EntitlementValueId}:{l.Status}").ToListAsync();
        return $"{account.AccountId}|{account.Name}|{account.Status}|{account.OwnerUserId}|" + string.Join(",", links);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task RemoveAccess_FaultOnItsCall_FailedWithNextAttempt_TargetAndRepositoryUnchanged_RetryRemovesOnce(FaultKind kind)
    {
        var h = fx.H;
        output.WriteLine("chain: " + string.Join(" → ", fx.RemoveChain.Select(c => $"{c.Method} {c.Path}")));
        // one call per task: the package's RemoveAccessJSON has one call, and the OAuth token is held by the connection
        // (fetched by the first task, reused) — so first, middle and last call of the chain coincide
        Assert.Single(fx.RemoveChain);
        var (account, group) = fx.NextPair();
        long accountId, valueId;
        await using (var db = h.Db())
        {
            accountId = await db.Accounts.Where(a => a.AccountId == account).Select(a => a.Id).SingleAsync();
            valueId = await db.EntitlementValues.Where(v => v.EntitlementId == group).Select(v => v.Id).SingleAsync();
        }

        var service = h.Service<ProvisioningTaskService>();
        var taskId = (await service.CreateForAccountAsync(accountId, ProvisioningTaskType.RemoveAccess, valueId, "admin")).Id;
        var before = await RepositoryRowsAsync(accountId);
        var deletePath = fx.RemoveChain[^1];
        // the call carries the group and account ids: the pattern hits only this task's call
        var call = (deletePath.Method, $"/Groups/{group}/members/{account}");
        h.Sim.ClearRequests();
        var rule = h.Sim.Faults.Add(Rule(kind, call));
        try
        {
            await service.RunTaskAsync(taskId, CancellationToken.None);
            var failed = await WaitAsync(h, taskId, t => t.Status is not (ProvisioningTaskStatus.New or ProvisioningTaskStatus.InProgress));
            Assert.Equal(1, rule.FiredCount);
            output.WriteLine($"{kind} on {call.Method} {call.Item2}: {failed.Status} — {failed.LastError}");
            if (kind == FaultKind.Unauthorized401 && failed.Status == ProvisioningTaskStatus.Completed)
            {
                // the auth profile treats 401 as an expired token: it refreshes the token and resends the call once.
                // Completed is then truthful only if the target really changed, exactly once.
                Assert.DoesNotContain(h.Sim.State.GetMembershipsOf(account), m => m.EntitlementId == group);
                Assert.Single(h.Sim.Requests, r => r.Method == deletePath.Method && r.Path.Contains(account, StringComparison.Ordinal) && r.Status is >= 200 and < 300);
                await using var db = h.Db();
                Assert.Equal(LinkStatus.PendingRemove, (await db.AccountEntitlements.SingleAsync(l => l.AccountId == accountId && l.EntitlementValueId == valueId)).Status);
                return;
            }

            AssertFailedWithNextAttempt(failed, kind);
        }
        finally
        {
            h.Sim.Faults.Remove(rule.Id);
        }

        // the slow request outlives the portal's 2 s timeout: wait past its 4 s so a late effect at the target would show
        if (kind == FaultKind.Latency) await Task.Delay(TimeSpan.FromSeconds(2.5));

        Assert.Contains(h.Sim.State.GetMembershipsOf(account), m => m.EntitlementId == group);
        Assert.Equal(before, await RepositoryRowsAsync(accountId));

        // the target recovers; an administrator retries: removed once, the link is PendingRemove
        h.Sim.ClearRequests();
        await service.RetryAsync(taskId, "admin");
        var done = await WaitAsync(h, taskId, t => t.Status is ProvisioningTaskStatus.Completed or ProvisioningTaskStatus.NeedsReview || t.Status == ProvisioningTaskStatus.Failed && t.Attempts > 0);
        Assert.True(done.Status == ProvisioningTaskStatus.Completed, $"{done.Status} {done.LastError}");
        Assert.DoesNotContain(h.Sim.State.GetMembershipsOf(account), m => m.EntitlementId == group);
        Assert.Single(h.Sim.Requests, r => r.Method == deletePath.Method && r.Path.Contains(account, StringComparison.Ordinal) && r.Status is >= 200 and < 300);
        await using (var db = h.Db())
            Assert.Equal(LinkStatus.PendingRemove, (await db.AccountEntitlements.SingleAsync(l => l.AccountId == accountId && l.EntitlementValueId == valueId)).Status);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task CreateAccount_FaultOnItsOnlyCall_FailedWithNextAttempt_NoAccountAnywhere_RetryCreatesExactlyOne(FaultKind kind)
    {
        var h = fx.Confluent;
        var email = fx.NextEmail();
        var username = email.Split('@')[0];
        await h.AddUserAsync(username, "boss", email, ("CustomProperty4", "fault suite")); // display_name = username
        var requests = h.Service<AccessRequestService>();
        var view = await requests.CreateAsync(new NewAccessRequest(h.Endpoint, null, true, [], "fault suite", null), new Actor(username, false));
        await requests.DecideAsync(view.Id, true, "ok", new Actor("boss", false));
        var taskId = Assert.Single(await h.TasksOfAsync(view.Id)).Id;
        long userId;
        await using (var db = h.Db()) userId = await db.Users.Where(u => u.Username == username).Select(u => u.Id).SingleAsync();

        // Confluent: basic auth, no token call — the chain is the one POST, first and last coincide
        var call = ("POST", "/iam/v2/service-accounts");
        h.Sim.ClearRequests();
        var rule = h.Sim.Faults.Add(Rule(kind, call));
        var service = h.Service<ProvisioningTaskService>();
        h.Sim.ClearRequests();
        try
        {
            await service.RunTaskAsync(taskId, CancellationToken.None);
            var failed = await WaitAsync(h, taskId, t => t.Status is not (ProvisioningTaskStatus.New or ProvisioningTaskStatus.InProgress));
            Assert.Equal(1, rule.FiredCount);
            output.WriteLine($"{kind} on {call.Item1} {call.Item2}: {failed.Status} — {failed.LastError}");
            if (kind == FaultKind.Unauthorized401 && failed.Status == ProvisioningTaskStatus.Completed)
            {
                // token refreshed and the call resent once (see the RemoveAccess case): exactly one account, created once
                Assert.Single(h.Sim.State.GetAccounts(), a => a.Attributes.GetValueOrDefault("display_name") == username);
                Assert.Single(h.Sim.Requests, r => r.Method == "POST" && r.Path == "/iam/v2/service-accounts" && r.Status is >= 200 and < 300);
                await using var db = h.Db();
                Assert.Equal(AccountStatus.PendingCreate, (await db.Accounts.SingleAsync(a => a.OwnerUserId == userId)).Status);
                return;
            }

            AssertFailedWithNextAttempt(failed, kind);
            Assert.Null(failed.AccountId);
        }
        finally
        {
            h.Sim.Faults.Remove(rule.Id);
        }

        // the slow request outlives the portal's 2 s timeout: wait past its 4 s so a late effect at the target would show
        if (kind == FaultKind.Latency) await Task.Delay(TimeSpan.FromSeconds(2.5));

        Assert.DoesNotContain(h.Sim.State.GetAccounts(), a => a.Attributes.GetValueOrDefault("display_name") == username);
        await using (var db = h.Db())
            Assert.False(await db.Accounts.AnyAsync(a => a.OwnerUserId == userId));

        h.Sim.ClearRequests();
        await service.RetryAsync(taskId, "admin");
        var done = await WaitAsync(h, taskId, t => t.Status is ProvisioningTaskStatus.Completed or ProvisioningTaskStatus.NeedsReview || t.Status == ProvisioningTaskStatus.Failed && t.Attempts > 0);
        Assert.True(done.Status == ProvisioningTaskStatus.Completed, $"{done.Status} {done.LastError}");
        Assert.Single(h.Sim.Requests, r => r.Method == "POST" && r.Path == "/iam/v2/service-accounts" && r.Status is >= 200 and < 300);
        Assert.Single(h.Sim.State.GetAccounts(), a => a.Attributes.GetValueOrDefault("display_name") == username);
        await using (var db = h.Db())
            Assert.Equal(AccountStatus.PendingCreate, (await db.Accounts.SingleAsync(a => a.OwnerUserId == userId)).Status);
    }
}
