using System.Text.RegularExpressions;
using AdminPortal.E2E.Infrastructure;
using AdminPortal.E2E.Pages;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Simulated;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.E2E;

[Collection(BrowserCollection.Name)]
public partial class JobsJourneyTests(BrowserFixture browser)
{
    [Fact]
    public async Task ImportFromJobsPage_ProgressThenRunDetail_ExchangeShowsAuthorizationRedacted_AccountsListed()
    {
        // Arrange: the real SAP BTP package set up against its simulator, each request slowed so the run is watchable.
        // The package reads these 250 accounts in very few requests, so 400 ms per request made a ~1 s run that a
        // clean-clone CI run once finished before the page showed its progress; 1.5 s per request keeps it visible.
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions { Seed = 51, Accounts = 250, EntitlementsPerType = 6, DefaultPageSize = 50 });
        sim.Faults.Add(new FaultRule { Kind = FaultKind.Latency, PathPattern = "*", Latency = TimeSpan.FromMilliseconds(1500) });
        var packages = SimulatedApplicationSetup.FindPackageFolder(AppContext.BaseDirectory) ?? throw new DirectoryNotFoundException("../shared/packages/saviynt");
        var endpoint = await browser.Portal.Services.GetRequiredService<SimulatedApplicationSetup>().SetUpAsync(sim, packages, "sap-btp-jobs", "sap-btp-jobs-ep", "admin");
        var page = await browser.NewPageAsync();
        await new LoginPage(page).SignInAsync("admin", PortalServer.AdminPassword);
        var jobs = new JobsPage(page);
        await jobs.OpenAsync();

        // Act: run the import now and watch it
        await jobs.RunNowAsync(endpoint);

        // Assert: live progress while it runs, then the finished run in the history
        var active = jobs.ActiveRun.Filter(new() { HasText = endpoint });
        await Expect(active).ToBeVisibleAsync();
        await Expect(active.GetByTestId("progress-records")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Expect(active.GetByTestId("progress-phase")).ToContainTextAsync(new Regex("accounts|entitlements|links"));
        await Screenshots.SaveAsync(page, "10-jobs-import-progress");
        await Expect(page.GetByTestId("no-active-runs")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        var row = page.GetByTestId("runs-grid").Locator("tr", new() { HasText = endpoint }).First;
        await Expect(row.GetByTestId("run-status")).ToHaveTextAsync("Succeeded");

        // The run: counters, plan and log
        await row.GetByTestId("run-link").ClickAsync();
        await Expect(page.GetByTestId("run-endpoint")).ToHaveTextAsync(endpoint);
        await Expect(page.GetByTestId("counter-read").Locator(".value")).ToHaveTextAsync("250");
        await Expect(page.GetByTestId("counter-added").Locator(".value")).ToHaveTextAsync("256");
        await Expect(page.GetByTestId("run-plan")).ToContainTextAsync("What was applied");
        await Expect(page.GetByTestId("run-log")).ToContainTextAsync("read 250 account(s)");
        await Screenshots.SaveAsync(page, "11-run-detail");

        // One recorded exchange: the Authorization header is stored redacted
        await page.GetByTestId("exchange-search").FillAsync("Users");
        await page.GetByTestId("exchange-search").PressAsync("Enter");
        var exchange = page.GetByTestId("exchange-row").First;
        await Expect(exchange).ToContainTextAsync("Users");
        await exchange.ClickAsync();
        var headers = page.GetByTestId("request-headers");
        await Expect(headers).ToContainTextAsync(new Regex(@"Authorization: (Bearer )?\*\*\*"));
        Assert.DoesNotMatch(new Regex(@"Authorization: Bearer (?!\*\*\*)\S"), await headers.TextContentAsync());
        await Expect(page.GetByTestId("response-body")).ToContainTextAsync("userName");
        await page.GetByTestId("exchange-detail").ScrollIntoViewIfNeededAsync();
        await Screenshots.SaveAsync(page, "12-run-exchange-redacted");

        // The imported accounts in the Identity Repository
        await page.GotoAsync($"/identities/accounts?endpoint={endpoint}");
        await LoginPage.WaitForCircuitAsync(page);
        var first = sim.State.GetAccounts().OrderBy(a => a.Name, StringComparer.Ordinal).First();
        await Expect(page.GetByTestId("accounts-grid")).ToContainTextAsync(first.Name);
        await Expect(page.GetByTestId("accounts-grid")).ToContainTextAsync("250 items");
        await Screenshots.SaveAsync(page, "13-accounts");
        // An exact property filter (ADR-019): customproperty11 holds the SAP package's "active" as text
        var activeAccounts = sim.State.GetAccounts().Count(a => a.Active);
        await JobsPage.PickAsync(page, "filter-property", "CustomProperty11");
        await JobsPage.PickAsync(page, "filter-property-match", "is exactly");
        await page.GetByTestId("filter-property-value").FillAsync("tru");
        await page.GetByTestId("filter-property-value").PressAsync("Tab");
        await Expect(page.GetByTestId("accounts-grid")).ToContainTextAsync("No accounts match.");
        await page.GetByTestId("filter-property-value").FillAsync("true");
        await page.GetByTestId("filter-property-value").PressAsync("Tab");
        await Expect(page.GetByTestId("accounts-grid")).ToContainTextAsync($"{activeAccounts} items");
        await Screenshots.SaveAsync(page, "13b-accounts-exact-property");
        await page.GetByTestId("filter-property-value").FillAsync("");
        await page.GetByTestId("filter-property-value").PressAsync("Tab");
        await page.GetByTestId("filter-text").FillAsync(first.Name);
        await page.GetByTestId("filter-text").PressAsync("Tab");
        await Expect(page.GetByTestId("account-link")).ToHaveCountAsync(1);
        await page.GetByTestId("account-link").ClickAsync();
        await Expect(page.GetByTestId("account-name")).ToHaveTextAsync(first.Name);
        await Expect(page.GetByTestId("account-actions")).ToBeAttachedAsync();
        await Screenshots.SaveAsync(page, "14-account-detail");

        // Entitlements with member counts, and one entitlement's members
        var groups = sim.State.GetEntitlements("Groups");
        var biggest = groups.OrderByDescending(g => sim.State.GetMemberships("Groups").Count(m => m.EntitlementId == g.Id)).First();
        var members = sim.State.GetMemberships("Groups").Count(m => m.EntitlementId == biggest.Id);
        await page.GotoAsync($"/identities/entitlements?endpoint={endpoint}");
        await LoginPage.WaitForCircuitAsync(page);
        var entitlementRow = page.GetByTestId("entitlements-grid").Locator("tr", new() { HasText = biggest.Value }).First;
        await Expect(entitlementRow).ToContainTextAsync(members.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.GetByTestId("entitlement-link")).ToHaveCountAsync(groups.Count);
        await Screenshots.SaveAsync(page, "16-entitlements");
        await entitlementRow.GetByTestId("entitlement-link").ClickAsync();
        await Expect(page.GetByTestId("member-count")).ToHaveTextAsync(members.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.GetByTestId("members-grid")).ToContainTextAsync($"{members} items");
    }

    [Fact]
    public async Task CreateJob_InvalidCronIsRefused_ValidCronIsScheduled()
    {
        // Arrange: an endpoint to schedule (no simulator needed: nothing runs before 03:00 UTC)
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.Confluent, new SimulatorOptions { Seed = 52, Accounts = 5 });
        var packages = SimulatedApplicationSetup.FindPackageFolder(AppContext.BaseDirectory) ?? throw new DirectoryNotFoundException("../shared/packages/saviynt");
        var endpoint = await browser.Portal.Services.GetRequiredService<SimulatedApplicationSetup>().SetUpAsync(sim, packages, "confluent-jobs", "confluent-jobs-ep", "admin");
        var page = await browser.NewPageAsync();
        await new LoginPage(page).SignInAsync("admin", PortalServer.AdminPassword);
        await new JobsPage(page).OpenAsync();

        // Act: a job with a cron Quartz rejects, then a valid one
        await page.GetByTestId("new-job").ClickAsync();
        await JobsPage.PickAsync(page, "job-endpoint", endpoint);
        await page.GetByTestId("job-name").FillAsync("Nightly " + endpoint);
        await page.GetByTestId("job-cron").FillAsync("at 3 every night");
        await page.GetByTestId("save-job").ClickAsync();
        await Expect(page.GetByTestId("error-CronExpression")).ToContainTextAsync("not a valid Quartz cron expression");
        await page.GetByTestId("job-cron").FillAsync("0 0 3 * * ?");
        await page.GetByTestId("save-job").ClickAsync();

        // Assert: listed with its schedule and the next fire time
        var row = page.GetByTestId("jobs-grid").Locator("tr", new() { HasText = "Nightly " + endpoint });
        await Expect(row).ToContainTextAsync("0 0 3 * * ?");
        await Expect(row).ToContainTextAsync(new Regex(@"\d{4}-\d{2}-\d{2} 03:00:00 UTC"));
        await Screenshots.SaveAsync(page, "15-jobs-scheduled");
    }
}
