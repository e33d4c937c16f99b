using System.Diagnostics;
using System.Globalization;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.E2E.Infrastructure;
using AdminPortal.E2E.Pages;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Demo;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.E2E;

/// <summary>
/// Acceptance of demo mode (docs/getting-started.md): from an empty database, a requester asks for a Confluent Cloud
/// environment, her manager approves, instant provisioning creates her account and its role binding in the simulator.
/// </summary>
[Collection(BrowserCollection.Name)]
public class DemoJourneyTests(BrowserFixture browser)
{
    [Fact]
    public async Task DemoMode_FromEmptyDatabase_RequestedConfluentEnvironmentIsApprovedAndProvisioned()
    {
        var wall = Stopwatch.StartNew();

        // Arrange: the portal in demo mode on a fresh data directory (its own portal: the shared one is not a demo)
        await using var portal = await PortalServer.StartAsync($"--{DemoOptions.Section}:Enabled=true");
        var password = new DemoOptions().Password;
        var services = portal.Services;
        var confluent = services.GetRequiredService<DemoEnvironment>().Simulators.Single(s => s.System == SimulatedSystem.Confluent);
        await WaitForStartupImportsAsync(services);
        var environment = confluent.State.GetEntitlements("environment")[0];

        var page = await browser.NewPageAsync(portal);
        await page.GotoAsync("/account/login");
        await Expect(page.Locator("body")).ToContainTextAsync("alice.requester");
        await Screenshots.SaveAsync(page, "30-demo-sign-in");

        // Act 1: Alice has no account on the Confluent endpoint: she asks for one and for the environment
        await new LoginPage(page).SignInAsync("alice.requester", password);
        await page.GotoAsync("/requests/new");
        await LoginPage.WaitForCircuitAsync(page);
        await JobsPage.PickAsync(page, "request-endpoint", "Confluent (demo)");
        await page.GetByTestId("request-new-account").ClickAsync();
        await page.GetByTestId("request-search").FillAsync(environment.Value);
        await page.GetByTestId("request-search-button").ClickAsync();
        await page.GetByTestId("request-entitlements").Locator("td", new() { HasText = environment.Value }).First.ClickAsync();
        await Expect(page.GetByTestId("request-chosen")).ToContainTextAsync(environment.Value);
        await page.GetByTestId("request-justification").FillAsync("I start on the streaming team and deploy to this environment.");
        await Screenshots.SaveAsync(page, "31-demo-request-access");
        var requestId = await RequestForm.SubmitAsync(page);
        await Expect(page.GetByTestId($"request-status-{requestId}")).ToHaveTextAsync("PendingApproval");
        await Screenshots.SaveAsync(page, "32-demo-request-pending");
        await new LoginPage(page).SignOutAsync();

        // Act 2: Mark, her manager, approves
        await new LoginPage(page).SignInAsync("mark.manager", password);
        await page.GotoAsync("/approvals");
        await LoginPage.WaitForCircuitAsync(page);
        var card = page.GetByTestId($"approval-{requestId}");
        await Expect(card).ToContainTextAsync(environment.Value);
        await page.GetByTestId($"approval-comment-{requestId}").FillAsync("Approved — welcome aboard.");
        await Screenshots.SaveAsync(page, "33-demo-approval");
        await page.GetByTestId($"approve-{requestId}").ClickAsync();
        await Expect(page.GetByTestId("approvals-empty")).ToBeVisibleAsync();

        // Assert: instant provisioning created the service account and its role binding on the environment
        var tasks = await WaitForTasksAsync(services, requestId);
        Assert.All(tasks, t => Assert.True(t.Status == ProvisioningTaskStatus.Completed, $"{t.Type}: {t.Status} {t.LastError}"));
        var created = confluent.State.GetAccounts().Single(a => a.Name == "alice.requester");
        Assert.Contains(confluent.State.GetMembershipsOf(created.Id), m => m.EntitlementId == environment.Id);
        await page.ReloadAsync();
        await LoginPage.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId($"decided-status-{requestId}")).ToHaveTextAsync("Provisioned");
        await new LoginPage(page).SignOutAsync();

        // … Alice sees her request provisioned with its tasks completed
        await new LoginPage(page).SignInAsync("alice.requester", password);
        await page.GotoAsync($"/requests?id={requestId}");
        await LoginPage.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId($"request-status-{requestId}")).ToHaveTextAsync("Provisioned");
        foreach (var task in tasks) await Expect(page.GetByTestId($"task-state-{task.Id}")).ToHaveTextAsync("Completed");
        await Screenshots.SaveAsync(page, "34-demo-request-provisioned");
        await new LoginPage(page).SignOutAsync();

        // … and the reviewer sees her new account holding the environment
        long accountId;
        await using (var db = await services.GetRequiredService<IDbContextFactory<AdminPortalDbContext>>().CreateDbContextAsync())
            accountId = await db.Accounts.Where(a => a.AccountId == created.Id).Select(a => a.Id).SingleAsync();
        await new LoginPage(page).SignInAsync("rita.reviewer", password);
        await page.GotoAsync($"/identities/accounts/{accountId}");
        await LoginPage.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("account-name")).ToHaveTextAsync(created.Id);
        await Expect(page.GetByTestId("account-owner")).ToContainTextAsync("alice.requester");
        await Expect(page.GetByTestId("account-entitlements")).ToContainTextAsync(environment.Value);
        await Screenshots.SaveAsync(page, "35-demo-account-entitlement");

        Assert.True(wall.Elapsed < TimeSpan.FromMinutes(2), $"The demo journey took {wall.Elapsed}.");
    }

    private static async Task WaitForStartupImportsAsync(IServiceProvider services)
    {
        var factory = services.GetRequiredService<IDbContextFactory<AdminPortalDbContext>>();
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(250))
        {
            await using var db = await factory.CreateDbContextAsync();
            var runs = await db.JobRuns.AsNoTracking().Select(r => new { r.Status, r.Error }).ToListAsync();
            if (runs.Count >= 5 && runs.All(r => r.Status is not (JobRunStatus.Queued or JobRunStatus.Running)))
            {
                Assert.All(runs, r => Assert.True(r.Status == JobRunStatus.Succeeded, $"{r.Status}: {r.Error}"));
                return;
            }

            if (DateTime.UtcNow > deadline) throw new TimeoutException("The demo's start-up imports did not finish within 60 s.");
        }
    }

    private static async Task<List<ProvisioningTask>> WaitForTasksAsync(IServiceProvider services, long requestId)
    {
        var factory = services.GetRequiredService<IDbContextFactory<AdminPortalDbContext>>();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(200))
        {
            await using var db = await factory.CreateDbContextAsync();
            var tasks = await db.ProvisioningTasks.AsNoTracking().Where(t => t.AccessRequestId == requestId).ToListAsync();
            if (tasks.Count > 0 && tasks.All(t => t.Status is ProvisioningTaskStatus.Completed or ProvisioningTaskStatus.Cancelled
                    || (t.Status == ProvisioningTaskStatus.Failed && t.NextAttemptUtc is null)))
                return tasks;
            if (DateTime.UtcNow > deadline) return tasks;
        }
    }
}
