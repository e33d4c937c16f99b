using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Web.Features.Demo;
using AdminPortal.Web.Features.Provisioning;
using AdminPortal.Web.Tests.Infrastructure;
using AdminPortal.Web.Tests.Users;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.Web.Tests.Demo;

/// <summary>The portal started with AdminPortal:Demo:Enabled (what <c>--demo</c> sets) on an empty data directory.</summary>
public sealed class DemoPortalFactory : WebApplicationFactory<Program>
{
    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("adminportal-demo-test-").FullName;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("AdminPortal:DataDirectory", DataDirectory);
        builder.UseSetting("AdminPortal:Demo:Enabled", "true");
        builder.UseSetting("AdminPortal:Demo:Accounts", "12");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
    }
}

public class DemoModeTests
{
    [Fact]
    public async Task DemoMode_EmptyDatabase_SetsUpFiveApplicationsAndImportsEachSimulatorsAccounts()
    {
        await using var factory = new DemoPortalFactory();
        var services = factory.Services;
        var environment = services.GetRequiredService<DemoEnvironment>();
        Assert.Equal(5, environment.Simulators.Count);

        await using var db = services.GetRequiredService<IDbContextFactory<AdminPortalDbContext>>().CreateDbContext();
        Assert.Equal(DemoPeople.All.Select(p => p.Username).Order(), (await db.Users.Select(u => u.Username).ToListAsync()).Order());
        Assert.Equal("mark.manager", (await db.Users.Include(u => u.Manager).SingleAsync(u => u.Username == "alice.requester")).Manager?.Username);
        Assert.Equal("true", (await db.GlobalSettings.SingleAsync(s => s.Key == GlobalSettingKeys.InstantProvisioningTasks)).Value);
        var systems = await db.SecuritySystems.Include(s => s.ImportConnection).ToListAsync();
        Assert.Equal(5, systems.Count);
        Assert.All(systems, s => Assert.True(s.InstantProvisioning && s.ImportConnection is not null));
        // The portal wrote the packages: every connection came in through Transport with its secrets as placeholders, then filled.
        Assert.Equal(5, await db.TransportImports.CountAsync());
        Assert.False(await db.Connections.AnyAsync(c => c.ConnectionJsonNeedsEntry));

        // The first imports were queued at start-up; each brings in exactly the simulator's accounts.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (await db.JobRuns.AnyAsync(r => r.Status == JobRunStatus.Queued || r.Status == JobRunStatus.Running) && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        var runs = await db.JobRuns.AsNoTracking().ToListAsync();
        Assert.Equal(5, runs.Count);
        Assert.All(runs, r => Assert.True(r.Status == JobRunStatus.Succeeded, $"run {r.Id}: {r.Status} {r.Error}"));
        foreach (var sim in environment.Simulators)
        {
            var endpoint = $"demo-{sim.System.ToString().ToLowerInvariant()}";
            var imported = await db.Accounts.Where(a => a.Endpoint!.Name == endpoint).Select(a => a.AccountId).ToListAsync();
            // Bynder lists disabled users only with includeInActive, which its package does not send.
            var expected = sim.State.EnumerateAccounts().Where(a => sim.System != AdminPortal.Simulators.SimulatedSystem.Bynder || a.Active).Select(a => a.Id).ToList();
            Assert.Equal(expected.Order(), imported.Order());
        }

        // The demo's own Confluent package also reads role bindings: environment memberships arrive as links.
        var confluent = environment.Simulators.Single(s => s.System == AdminPortal.Simulators.SimulatedSystem.Confluent);
        var expectedLinks = confluent.State.GetMemberships("environment")
            .Select(m => (m.AccountId, $"crn://confluent.cloud/organization={confluent.State.GetEntitlements("organization")[0].Id}/environment={m.EntitlementId}"))
            .Distinct().Order().ToList();
        var links = await (from l in db.AccountEntitlements
                           join a in db.Accounts on l.AccountId equals a.Id
                           join v in db.EntitlementValues on l.EntitlementValueId equals v.Id
                           where a.Endpoint!.Name == "demo-confluent"
                           select new { a.AccountId, v.EntitlementId }).ToListAsync();
        Assert.NotEmpty(expectedLinks);
        Assert.Equal(expectedLinks, links.Select(l => (l.AccountId, l.EntitlementId)).Distinct().Order().ToList());
    }

    [Fact]
    public async Task DemoMode_AliceRequestsAConfluentEnvironment_ManagerApproves_ServiceAccountAndRoleBindingProvisioned_ImportShowsTheLink()
    {
        await using var factory = new DemoPortalFactory();
        var services = factory.Services;
        var confluent = services.GetRequiredService<DemoEnvironment>().Simulators.Single(s => s.System == AdminPortal.Simulators.SimulatedSystem.Confluent);
        var dbFactory = services.GetRequiredService<IDbContextFactory<AdminPortalDbContext>>();
        await WaitForRunsAsync(dbFactory);
        var requests = services.GetRequiredService<AccessRequestService>();
        var endpoint = (await requests.EndpointsAsync()).Single(e => e.Name == "demo-confluent");
        var environment = (await requests.SearchEntitlementsAsync(endpoint.Id, null)).First(e => e.Type == "environment");

        var request = await requests.CreateAsync(new NewAccessRequest("demo-confluent", null, false, [environment.Id], "needs the staging environment", null),
            new Actor("alice.requester", false));
        Assert.Equal(AccessRequestStatus.PendingApproval, request.Status);
        await requests.DecideAsync(request.Id, true, "ok", new Actor("mark.manager", false));

        // Instant provisioning (on in demo mode): a service account for Alice, then a role binding on the environment.
        List<ProvisioningTask> tasks = [];
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            tasks = await db.ProvisioningTasks.AsNoTracking().Where(t => t.AccessRequestId == request.Id).ToListAsync();
            if (tasks.Count == 2 && tasks.All(t => t.Status is ProvisioningTaskStatus.Completed or ProvisioningTaskStatus.Failed or ProvisioningTaskStatus.NeedsReview)) break;
            await Task.Delay(200);
        }

        Assert.All(tasks, t => Assert.True(t.Status == ProvisioningTaskStatus.Completed, $"{t.Type}: {t.Status} {t.LastError}"));
        var serviceAccount = Assert.Single(confluent.State.GetAccounts(), a => a.Attributes.GetValueOrDefault("display_name") == "alice.requester");
        Assert.Contains(confluent.State.GetMemberships("environment"), m => m.AccountId == serviceAccount.Id && environment.EntitlementId.EndsWith("/environment=" + m.EntitlementId, StringComparison.Ordinal));

        // The next import confirms the account and the link.
        await services.GetRequiredService<AdminPortal.Web.Features.Imports.ImportService>().QueueAsync(new AdminPortal.Web.Features.Imports.ImportRequest("demo-confluent"));
        await WaitForRunsAsync(dbFactory);
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            var account = await db.Accounts.AsNoTracking().SingleAsync(a => a.AccountId == serviceAccount.Id);
            Assert.Equal(AccountStatus.Active, account.Status);
            var link = await db.AccountEntitlements.AsNoTracking().SingleAsync(l => l.AccountId == account.Id && l.EntitlementValueId == environment.Id);
            Assert.Equal(LinkStatus.Active, link.Status);
        }
    }

    private static async Task WaitForRunsAsync(IDbContextFactory<AdminPortalDbContext> dbFactory)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            if (!await db.JobRuns.AnyAsync(r => r.Status == JobRunStatus.Queued || r.Status == JobRunStatus.Running)) return;
            await Task.Delay(200);
        }

        throw new TimeoutException("imports still running");
    }

    [Fact]
    public async Task DemoMode_DatabaseWithOtherUsers_RefusesAndWritesNothing()
    {
        // A real (non-demo) portal database: the bootstrap administrator plus a user someone created.
        await using var portal = new PortalFactory();
        await UserSeeding.AddUserAsync(portal, "real.person", "Real-Passw0rd!", SavRoles.EndUser);
        var demo = ActivatorUtilities.CreateInstance<DemoMode>(portal.Services);

        var refused = await Assert.ThrowsAsync<DemoRefusedException>(() => demo.StartAsync());

        Assert.Contains("real.person", refused.Message);
        await using var db = portal.CreateDbContext();
        Assert.False(await db.GlobalSettings.AnyAsync(s => s.Key == DemoMode.MarkerKey));
        Assert.False(await db.Users.AnyAsync(u => u.Username == "alice.requester"));
        Assert.Empty(portal.Services.GetRequiredService<DemoEnvironment>().Simulators);
    }
}
