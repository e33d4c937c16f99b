using System.Text;
using AdminPortal.Core.Domain;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Imports;
using AdminPortal.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json;

namespace AdminPortal.Web.Tests.Imports;

/// <summary>Re-imports, the deletion guard, faults and token expiry: an import that could not read everything changes nothing.</summary>
public class ImportSafetyTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private readonly ImportHarness harness = new(factory);
    private static int counter;

    private static string Suffix() => "-" + Interlocked.Increment(ref counter);

    /// <summary>Everything an import may touch, row by row.</summary>
    private async Task<string> RepositoryDumpAsync()
    {
        await using var db = factory.CreateDbContext();
        var sb = new StringBuilder();
        foreach (var a in await db.Accounts.AsNoTracking().OrderBy(a => a.Id).ToListAsync()) sb.AppendLine(JsonConvert.SerializeObject(a));
        foreach (var v in await db.EntitlementValues.AsNoTracking().OrderBy(v => v.Id).ToListAsync()) sb.AppendLine(JsonConvert.SerializeObject(v));
        foreach (var t in await db.EntitlementTypes.AsNoTracking().OrderBy(t => t.Id).Select(t => new { t.Id, t.Name, t.EndpointId, t.DisplayOrder, t.CustomPropertyLabelsJson }).ToListAsync()) sb.AppendLine(JsonConvert.SerializeObject(t));
        foreach (var l in await db.AccountEntitlements.AsNoTracking().OrderBy(l => l.AccountId).ThenBy(l => l.EntitlementValueId).ToListAsync()) sb.AppendLine(JsonConvert.SerializeObject(l));
        return sb.ToString();
    }

    [Fact]
    public async Task Reimport_AfterAddRemoveRenameAndMove_CountsAndRowsAreExact()
    {
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions { Seed = 11, Accounts = 60, EntitlementsPerType = 6 });
        var endpoint = await harness.SetUpAsync(sim, Suffix());
        Assert.Equal(JobRunStatus.Succeeded, (await harness.RunAsync(endpoint)).Status);

        var accounts = sim.State.GetAccounts();
        var groups = sim.State.GetEntitlements("Groups");
        var added1 = sim.State.AddAccount("new.person1");
        var added2 = sim.State.AddAccount("new.person2");
        sim.State.RemoveAccount(accounts[0].Id);
        sim.State.RenameAccount(accounts[1].Id, "renamed.person");
        var membership = sim.State.GetMembershipsOf(accounts[2].Id).First();
        var target = groups.First(g => sim.State.GetMembershipsOf(accounts[2].Id).All(m => m.EntitlementId != g.Id));
        sim.State.MoveMembership("Groups", accounts[2].Id, membership.EntitlementId, target.Id);
        var newGroup = sim.State.AddEntitlement("Groups", "brand-new-group");

        var run = await harness.RunAsync(endpoint);

        Assert.True(run.Status == JobRunStatus.Succeeded, run.Error + run.Log);
        var plan = JsonConvert.DeserializeObject<PlanSummary>(run.PlanJson!)!;
        Assert.Equal(2, plan.AccountsToAdd);
        Assert.Equal(1, plan.AccountsToSuspend);
        Assert.Equal(0, plan.AccountsToInactivate);
        Assert.Contains(accounts[1].Id, plan.SampleChanged);
        Assert.Equal(1, plan.EntitlementsToAdd);
        Assert.Equal(1, run.Suspended);
        var (rows, entitlements, links) = await harness.ReadAsync(endpoint);
        Assert.Equal(AccountStatus.SuspendedFromImport, rows.Single(a => a.Id == accounts[0].Id).Status);
        Assert.Equal("renamed.person", rows.Single(a => a.Id == accounts[1].Id).Name);
        Assert.Contains(rows, a => a.Id == added1.Id && a.Status == AccountStatus.Active);
        Assert.Contains(rows, a => a.Id == added2.Id);
        Assert.Contains(entitlements, e => e.Id == newGroup.Id && e.Status == EntitlementStatus.Active);
        Assert.Contains(links, l => l.AccountId == accounts[2].Id && l.EntitlementId == target.Id);
        Assert.True(!links.Any(l => l.AccountId == accounts[2].Id && l.EntitlementId == membership.EntitlementId),
            $"moved {membership.EntitlementId} -> {target.Id}; sim now: {string.Join(",", sim.State.GetMembershipsOf(accounts[2].Id).Select(m => m.EntitlementId))}; portal: {string.Join(",", links.Where(l => l.AccountId == accounts[2].Id).Select(l => l.EntitlementId))}; plan: {run.PlanJson}");
        // Memberships of the removed account went with it; every other link matches the target.
        var expected = sim.State.GetMemberships("Groups").Select(m => (m.AccountId, m.EntitlementId)).ToHashSet();
        Assert.Equal(expected, links.Select(l => (l.AccountId, l.EntitlementId)).ToHashSet());

        var removedGroup = groups.Last();
        sim.State.RemoveEntitlement("Groups", removedGroup.Id);
        var third = await harness.RunAsync(endpoint);
        Assert.Equal(JobRunStatus.Succeeded, third.Status);
        Assert.Equal(1, JsonConvert.DeserializeObject<PlanSummary>(third.PlanJson!)!.EntitlementsToInactivate);
        Assert.Contains((await harness.ReadAsync(endpoint)).Entitlements, e => e.Id == removedGroup.Id && e.Status == EntitlementStatus.Inactive);
    }

    [Fact]
    public async Task ThresholdGuard_HalfTheAccountsGone_StopsChangingNothingThenApprovalApplies()
    {
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions { Seed = 12, Accounts = 40, EntitlementsPerType = 4 });
        var endpoint = await harness.SetUpAsync(sim, Suffix());
        Assert.Equal(JobRunStatus.Succeeded, (await harness.RunAsync(endpoint)).Status);
        var removed = sim.State.GetAccounts().Take(20).ToList();
        foreach (var account in removed) sim.State.RemoveAccount(account.Id);
        // Accounts already inactive in the target stay inactive; only active ones become "suspended from import service".
        var removedActive = removed.Count(a => a.Active);
        Assert.True(removedActive >= 10, "the guard needs a large share of active accounts to disappear");
        var before = await RepositoryDumpAsync();

        var stopped = await harness.RunAsync(endpoint);

        Assert.Equal(JobRunStatus.ThresholdReached, stopped.Status);
        Assert.Contains("threshold reached", stopped.Error);
        Assert.Equal(before, await RepositoryDumpAsync());

        var approvedRunId = await harness.Service<ImportService>().ApproveAsync(stopped.Id, "admin");
        var approved = await harness.WaitAsync(approvedRunId);
        Assert.True(approved.Status == JobRunStatus.Succeeded, approved.Error);
        Assert.Equal(removedActive, approved.Suspended);
        var after = (await harness.ReadAsync(endpoint)).Accounts;
        Assert.Equal(removed.Where(a => a.Active).Select(a => a.Id).Order(), after.Where(a => a.Status == AccountStatus.SuspendedFromImport).Select(a => a.Id).Order());
    }

    public static TheoryData<FaultKind, int> Faults() => FaultsOnEachPage(
        FaultKind.InternalError500, FaultKind.Forbidden403, FaultKind.NotFound404, FaultKind.ErrorBodyWith200, FaultKind.RedirectToLogin);

    /// <summary>Faults below HTTP: the resilience pipeline resends the request, so the run may recover.</summary>
    public static TheoryData<FaultKind, int> TransportFaults() => FaultsOnEachPage(FaultKind.ConnectionReset, FaultKind.TruncatedBody);

    private static TheoryData<FaultKind, int> FaultsOnEachPage(params FaultKind[] kinds)
    {
        var data = new TheoryData<FaultKind, int>();
        foreach (var kind in kinds)
        {
            foreach (var page in new[] { 1, 2, 3 }) data.Add(kind, page);
        }

        return data;
    }

    /// <summary>A simulator with 1,200 users (three pages at the package's count) imported once, then changed.</summary>
    private async Task<(RunningSimulator Sim, string Endpoint, string Before)> ImportedThenChangedAsync()
    {
        var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions { Seed = 13, Accounts = 1200, EntitlementsPerType = 4, LinksPerAccount = 1 });
        var endpoint = await harness.SetUpAsync(sim, Suffix());
        Assert.Equal(JobRunStatus.Succeeded, (await harness.RunAsync(endpoint)).Status);
        foreach (var account in sim.State.GetAccounts().Take(5)) sim.State.RenameAccount(account.Id, account.Name + ".changed");
        sim.State.RemoveAccount(sim.State.GetAccounts()[10].Id);
        return (sim, endpoint, await RepositoryDumpAsync());
    }

    private static string Requests(RunningSimulator sim) => string.Join("\n", sim.Requests.Select(r => $"{r.Method} {r.PathAndQuery} {r.Status}"));

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Fault_OnFirstMiddleOrLastPage_FailsTheRunAndLeavesStoredDataByteForByte(FaultKind kind, int page)
    {
        var (sim, endpoint, before) = await ImportedThenChangedAsync();
        await using var _ = sim;

        sim.Faults.Add(FaultRule.OnCall(kind, page, "/Users"));
        var run = await harness.RunAsync(endpoint);

        Assert.True(run.Status == JobRunStatus.Failed, $"{kind} on page {page}: {run.Status} {run.Error}\n{Requests(sim)}");
        Assert.Contains("nothing was changed", run.Error);
        Assert.Equal(before, await RepositoryDumpAsync());
    }

    [Theory]
    [MemberData(nameof(TransportFaults))]
    public async Task TransportFault_OnFirstMiddleOrLastPage_IsResentOrFailsNeverAppliesAPartialRead(FaultKind kind, int page)
    {
        var (sim, endpoint, before) = await ImportedThenChangedAsync();
        await using var _ = sim;

        sim.Faults.Add(FaultRule.OnCall(kind, page, "/Users"));
        var run = await harness.RunAsync(endpoint);

        if (run.Status == JobRunStatus.Failed)
        {
            Assert.Contains("nothing was changed", run.Error);
            Assert.Equal(before, await RepositoryDumpAsync());
            return;
        }

        Assert.True(run.Status == JobRunStatus.Succeeded, $"{kind} on page {page}: {run.Status} {run.Error}");
        // Recovered: the broken page was requested again, and the repository holds exactly the target's accounts.
        var pageRequests = sim.Requests.Where(r => r.Path.EndsWith("/Users", StringComparison.Ordinal)).GroupBy(r => r.PathAndQuery);
        Assert.Contains(pageRequests, g => g.Count() >= 3); // once by the first run, twice (fault + resend) by this one
        var stored = (await harness.ReadAsync(endpoint)).Accounts.Where(a => a.Status != AccountStatus.SuspendedFromImport)
            .Select(a => (a.Id, a.Name)).Order().ToList();
        Assert.Equal(sim.State.GetAccounts().Select(a => (a.Id, a.Name)).Order().ToList(), stored);
    }

    [Theory]
    [InlineData(FaultKind.TooManyRequests429)]
    [InlineData(FaultKind.ServiceUnavailable503)]
    [InlineData(FaultKind.BadGateway502)]
    public async Task TransientFault_OnAMiddlePage_IsRetriedAndTheRunCompletes(FaultKind kind)
    {
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions { Seed = 14, Accounts = 1200, EntitlementsPerType = 3, LinksPerAccount = 1 });
        var endpoint = await harness.SetUpAsync(sim, Suffix());
        sim.Faults.Add(FaultRule.OnCall(kind, 2, "/Users"));

        var run = await harness.RunAsync(endpoint);

        Assert.True(run.Status == JobRunStatus.Succeeded, run.Error);
        Assert.Equal(1200, (await harness.ReadAsync(endpoint)).Accounts.Count);
    }

    [Fact]
    public async Task TokenExpiry_InTheMiddleOfAPagedImport_IsRefreshedAndTheImportCompletes()
    {
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions { Seed = 15, Accounts = 1200, EntitlementsPerType = 3, LinksPerAccount = 1 });
        var endpoint = await harness.SetUpAsync(sim, Suffix());
        sim.Faults.Add(FaultRule.OnCall(FaultKind.Unauthorized401, 2, "/Users"));

        var run = await harness.RunAsync(endpoint);

        Assert.True(run.Status == JobRunStatus.Succeeded, run.Error);
        Assert.Equal(2, sim.Requests.Count(r => r.Path.EndsWith("/oauth/token", StringComparison.Ordinal)));
        Assert.Equal(1200, (await harness.ReadAsync(endpoint)).Accounts.Count);
    }

    [Fact]
    public async Task RecordedExchanges_RedactTheAuthorizationHeader()
    {
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.Confluent, new SimulatorOptions { Seed = 16, Accounts = 8 });
        var endpoint = await harness.SetUpAsync(sim, Suffix());
        var run = await harness.RunAsync(endpoint);
        await using var db = factory.CreateDbContext();
        var exchanges = await db.HttpExchanges.Where(x => x.JobRunId == run.Id).ToListAsync();
        Assert.NotEmpty(exchanges);
        Assert.All(exchanges, x => Assert.Contains("Authorization: Basic ***", x.RequestHeaders));
        Assert.DoesNotContain(exchanges, x => (x.RequestHeaders + x.ResponseBody + x.Url).Contains(sim.Credentials["api_secret"], StringComparison.Ordinal));
        Assert.Contains(exchanges, x => x.OriginalUrl != null && x.OriginalUrl.Contains("https://api.confluent.cloud", StringComparison.Ordinal));
    }
}
