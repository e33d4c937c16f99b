using AdminPortal.Core.Domain;
using AdminPortal.E2E.Infrastructure;
using AdminPortal.E2E.Pages;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Imports;
using AdminPortal.Web.Features.Provisioning;
using AdminPortal.Web.Features.SecuritySystems;
using AdminPortal.Web.Features.Simulated;
using AdminPortal.Web.Features.Users;
using AdminPortal.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.E2E;

[Collection(BrowserCollection.Name)]
public class AccessRequestJourneyTests(BrowserFixture browser)
{
    private const string Password = "Journey-Passw0rd!";

    [Fact]
    public async Task SapBtpGroup_RequestedByEmployee_ApprovedByManager_InstantProvisioningCompletesTheTask()
    {
        // Arrange: SAP BTP package against its simulator, instant provisioning on, accounts correlated by e-mail and imported
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions { Seed = 3, Accounts = 8, EntitlementsPerType = 4, LinksPerAccount = 1 });
        var services = browser.Portal.Services;
        var endpoint = await services.GetRequiredService<SimulatedApplicationSetup>().SetUpAsync(sim, SharedPackagesFolder(), "sap-journey", "sap-journey-ep", "admin");
        var systems = services.GetRequiredService<SecuritySystemService>();
        var system = (await systems.GetAsync("sap-journey"))!;
        Assert.Empty(await systems.SaveAsync(system.Id, new SecuritySystemEdit(system.Name, "SAP BTP", null, system.ImportConnection?.Name, system.ProvisioningConnection?.Name, true), "admin"));
        var ep = (await systems.GetEndpointAsync(endpoint))!;
        Assert.Empty(await systems.SaveEndpointAsync(ep.Id, new EndpointEdit(ep.Name, "SAP BTP (production)", null, system.Name, null, null, "name=email", ApproverMode.Manager, null, []), "admin"));
        await services.GetRequiredService<ProvisioningTaskService>().SetInstantGloballyAsync(true, "admin");

        var member = sim.State.GetAccounts().First(a => a.Active);
        var users = services.GetRequiredService<UserService>();
        Assert.Empty(await users.SaveAsync(null, new UserEdit("maria.manager", "Maria", "Manager", "maria@example.test", null, UserStatus.Active, [SavRoles.EndUser]), Password, "admin"));
        Assert.Empty(await users.SaveAsync(null, new UserEdit("erik.employee", "Erik", "Employee", member.Name, "maria.manager", UserStatus.Active, [SavRoles.EndUser]), Password, "admin"));
        await ImportAsync(services, endpoint);
        var type = sim.State.EntitlementTypes.Single();
        var group = sim.State.GetEntitlements(type).First(g => sim.State.GetMembershipsOf(member.Id).All(m => m.EntitlementId != g.Id));

        // Act 1: the employee requests the group
        var page = await browser.NewPageAsync();
        await new LoginPage(page).SignInAsync("erik.employee", Password);
        await page.GotoAsync("/requests/new");
        await LoginPage.WaitForCircuitAsync(page);
        await PickAsync(page, "request-endpoint", "SAP BTP (production)");
        await page.GetByTestId("request-search").FillAsync(group.Value);
        await page.GetByTestId("request-search-button").ClickAsync();
        await page.GetByTestId("request-entitlements").Locator("td", new() { HasText = group.Value }).First.ClickAsync();
        await Expect(page.GetByTestId("request-chosen")).ToContainTextAsync(group.Value);
        await page.GetByTestId("request-justification").FillAsync("I join the platform team and need its SAP BTP group.");
        await Screenshots.SaveAsync(page, "06-request-access");
        var requestId = await RequestForm.SubmitAsync(page);
        await Expect(page.GetByTestId($"request-status-{requestId}")).ToHaveTextAsync("PendingApproval");
        await Screenshots.SaveAsync(page, "07-my-requests-pending");
        await new LoginPage(page).SignOutAsync();

        // Act 2: the manager approves it in the Approvals inbox
        await new LoginPage(page).SignInAsync("maria.manager", Password);
        await page.GotoAsync("/approvals");
        await LoginPage.WaitForCircuitAsync(page);
        var card = page.GetByTestId($"approval-{requestId}");
        await Expect(card).ToContainTextAsync(group.Value);
        await Expect(card).ToContainTextAsync("I join the platform team");
        await page.GetByTestId($"approval-comment-{requestId}").FillAsync("Welcome to the team.");
        await Screenshots.SaveAsync(page, "08-approvals-inbox");
        await page.GetByTestId($"approve-{requestId}").ClickAsync();
        await Expect(page.GetByTestId("approvals-empty")).ToBeVisibleAsync();

        // Assert: instant provisioning ran the task in the background; the simulator holds the membership
        var task = await WaitForTaskAsync(services, requestId);
        Assert.True(task.Status == ProvisioningTaskStatus.Completed, $"{task.Status}: {task.LastError}");
        Assert.Contains(sim.State.GetMembershipsOf(member.Id), m => m.EntitlementId == group.Id);
        await page.ReloadAsync();
        await LoginPage.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId($"decided-status-{requestId}")).ToHaveTextAsync("Provisioned");
        await new LoginPage(page).SignOutAsync();

        // … and the requester sees it provisioned, with the task's state
        await new LoginPage(page).SignInAsync("erik.employee", Password);
        await page.GotoAsync($"/requests?id={requestId}");
        await LoginPage.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId($"request-status-{requestId}")).ToHaveTextAsync("Provisioned");
        await Expect(page.GetByTestId($"task-state-{task.Id}")).ToHaveTextAsync("Completed");
        await Screenshots.SaveAsync(page, "09-my-requests-provisioned");
        await new LoginPage(page).SignOutAsync();

        // … and the administrator's task list and task detail show the recorded exchange
        await new LoginPage(page).SignInAsync("admin", PortalServer.AdminPassword);
        await page.GotoAsync("/admin/tasks");
        await LoginPage.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId($"tasks-state-{task.Id}")).ToHaveTextAsync("Completed");
        await Screenshots.SaveAsync(page, "10-admin-tasks");
        await page.GotoAsync($"/admin/tasks/{task.Id}");
        await LoginPage.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("task-detail-state")).ToHaveTextAsync("Completed");
        await Expect(page.GetByTestId("task-exchanges")).ToContainTextAsync("/members");
        await Screenshots.SaveAsync(page, "11-task-detail");
    }

    [Fact]
    public async Task FailedTask_GroupedByErrorSignature_AdminCompletesItManuallyWithComment()
    {
        // Arrange: the target answers 500 to every group change; a request with approver mode None is approved at once
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions { Seed = 5, Accounts = 6, EntitlementsPerType = 3, LinksPerAccount = 1 });
        sim.Faults.Add(FaultRule.Always(FaultKind.InternalError500, "/Groups/*"));
        var services = browser.Portal.Services;
        var endpoint = await services.GetRequiredService<SimulatedApplicationSetup>().SetUpAsync(sim, SharedPackagesFolder(), "sap-faulty", "sap-faulty-ep", "admin");
        var systems = services.GetRequiredService<SecuritySystemService>();
        var system = (await systems.GetAsync("sap-faulty"))!;
        var ep = (await systems.GetEndpointAsync(endpoint))!;
        Assert.Empty(await systems.SaveEndpointAsync(ep.Id, new EndpointEdit(ep.Name, null, null, system.Name, null, null, "name=email", ApproverMode.None, null, []), "admin"));
        var member = sim.State.GetAccounts().First(a => a.Active);
        Assert.Empty(await services.GetRequiredService<UserService>().SaveAsync(null,
            new UserEdit("frida.faulty", "Frida", "Faulty", member.Name, null, UserStatus.Active, [SavRoles.EndUser]), Password, "admin"));
        await ImportAsync(services, endpoint);
        var group = sim.State.GetEntitlements(sim.State.EntitlementTypes.Single()).First(g => sim.State.GetMembershipsOf(member.Id).All(m => m.EntitlementId != g.Id));
        long valueId;
        await using (var db = services.GetRequiredService<IDbContextFactory<AdminPortalDbContext>>().CreateDbContext())
            valueId = await db.EntitlementValues.Where(v => v.EntitlementId == group.Id && v.EndpointId == ep.Id).Select(v => v.Id).SingleAsync();
        var request = await services.GetRequiredService<AccessRequestService>().CreateAsync(
            new NewAccessRequest(endpoint, null, false, [valueId], "Quarter-end close", null), new Actor("frida.faulty", false));
        Assert.Equal(AccessRequestStatus.Approved, request.Status);
        services.GetRequiredService<ProvisioningQueue>().RunDue("test");
        var task = await WaitForTaskAsync(services, request.Id);
        Assert.Equal(ProvisioningTaskStatus.Failed, task.Status);
        Assert.NotNull(task.NextAttemptUtc);

        // Act: the administrator finds it grouped by its error, checks the exchange and completes it manually
        var page = await browser.NewPageAsync();
        await new LoginPage(page).SignInAsync("admin", PortalServer.AdminPassword);
        await page.GotoAsync("/admin/tasks");
        await LoginPage.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("tasks-failure-groups")).ToContainTextAsync(task.ErrorSignature!);
        await Expect(page.GetByTestId($"tasks-state-{task.Id}")).ToHaveTextAsync("Failed");
        await Screenshots.SaveAsync(page, "12-tasks-failure-groups");
        await page.GotoAsync($"/admin/tasks/{task.Id}");
        await LoginPage.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("task-detail-error")).ToContainTextAsync("500");
        await page.GetByTestId("task-complete").ClickAsync();
        await Expect(page.Locator(".rz-notification")).ToContainTextAsync("Say what was done");
        await page.GetByTestId("task-comment").FillAsync("Added in the SAP BTP cockpit by hand (ticket OPS-1234).");
        await page.GetByTestId("task-complete").ClickAsync();
        await Expect(page.GetByTestId("task-detail-state")).ToHaveTextAsync("Completed");
        await page.ReloadAsync();
        await LoginPage.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("task-detail-state")).ToHaveTextAsync("Completed");
        await Screenshots.SaveAsync(page, "13-task-completed-manually");

        // Assert: the task and the request are closed, with who and why
        await using var check = services.GetRequiredService<IDbContextFactory<AdminPortalDbContext>>().CreateDbContext();
        var closed = await check.ProvisioningTasks.AsNoTracking().SingleAsync(t => t.Id == task.Id);
        Assert.Equal("admin", closed.CompletedBy);
        Assert.Contains("OPS-1234", closed.Comment);
        Assert.Null(closed.NextAttemptUtc);
        Assert.Equal(AccessRequestStatus.Provisioned, (await check.AccessRequests.AsNoTracking().SingleAsync(r => r.Id == request.Id)).Status);
    }

    private static async Task ImportAsync(IServiceProvider services, string endpoint)
    {
        var id = await services.GetRequiredService<ImportService>().QueueAsync(new ImportRequest(endpoint, "full", false, "test", "admin"));
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            await using var db = services.GetRequiredService<IDbContextFactory<AdminPortalDbContext>>().CreateDbContext();
            var run = await db.JobRuns.AsNoTracking().SingleAsync(r => r.Id == id);
            if (run.Status is not (JobRunStatus.Queued or JobRunStatus.Running))
            {
                Assert.True(run.Status == JobRunStatus.Succeeded, $"import {run.Status}: {run.Error}");
                return;
            }

            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Import {id} still {run.Status}.");
            await Task.Delay(100);
        }
    }

    private static async Task<ProvisioningTask> WaitForTaskAsync(IServiceProvider services, long requestId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await using var db = services.GetRequiredService<IDbContextFactory<AdminPortalDbContext>>().CreateDbContext();
            var task = await db.ProvisioningTasks.AsNoTracking().SingleOrDefaultAsync(t => t.AccessRequestId == requestId);
            if (task is { Status: not (ProvisioningTaskStatus.New or ProvisioningTaskStatus.InProgress) } && task.Attempts > 0) return task;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Task of request {requestId}: {task?.Status} {task?.LastError}");
            await Task.Delay(200);
        }
    }

    private static async Task PickAsync(IPage page, string testId, string text)
    {
        // Radzen keeps every dropdown's item list in the DOM (hidden while closed): pick from the open popup, reopen if a re-render closed it.
        var item = page.Locator(".rz-dropdown-item:visible", new() { HasText = text }).First;
        for (var attempt = 0; ; attempt++)
        {
            await page.GetByTestId(testId).ClickAsync();
            try
            {
                await item.ClickAsync(new() { Timeout = 5000 });
                return;
            }
            catch (TimeoutException) when (attempt < 2)
            {
            }
        }
    }

    private static string SharedPackagesFolder() =>
        SimulatedApplicationSetup.FindPackageFolder(AppContext.BaseDirectory) ?? throw new DirectoryNotFoundException("../shared/packages/saviynt");
}
