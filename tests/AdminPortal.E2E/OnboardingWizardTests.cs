using AdminPortal.Data;
using AdminPortal.E2E.Infrastructure;
using AdminPortal.E2E.Pages;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Simulated;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.E2E;

[Collection(BrowserCollection.Name)]
public class OnboardingWizardTests(BrowserFixture browser)
{
    private const string ConnectionName = "SAP_Business_Technology_Platform";

    [Fact]
    public async Task Wizard_SapBtpPackageAgainstItsSimulator_EndsWithAnImportedEndpointAndASchedule()
    {
        // Arrange: the SAP BTP simulator, and what an administrator types for it (PackageConnectionProfiles)
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions { Seed = 21, Accounts = 30 });
        var profile = PackageConnectionProfiles.For(sim);
        var packageFolder = SimulatedApplicationSetup.FindPackageFolder(AppContext.BaseDirectory) ?? throw new DirectoryNotFoundException("../shared/packages/saviynt");
        // A portal of its own: the shared one holds the same package's connection, set up by other tests.
        await using var portal = await PortalServer.StartAsync();
        var page = await browser.NewPageAsync(portal);
        await new LoginPage(page).SignInAsync("admin", PortalServer.AdminPassword);

        // (a) upload the package: its objects are previewed, then imported
        await page.GotoAsync("/admin/onboarding");
        await LoginPage.WaitForCircuitAsync(page);
        await page.GetByTestId("onboarding-package-file").SetInputFilesAsync(Path.Combine(packageFolder, profile.PackageFile));
        await Expect(page.GetByTestId("onboarding-package-preview")).ToContainTextAsync(ConnectionName);
        await Screenshots.SaveAsync(page, "20-onboarding-package");
        await page.GetByTestId("onboarding-import-package").ClickAsync();

        // (b) the wizard resumes at the first step not done: ConnectionJSON and the placeholder
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/admin/onboarding/{ConnectionName}$"));
        await Expect(page.GetByTestId("panel-Credentials")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("step-Package")).ToHaveAttributeAsync("data-done", "true");
        await page.GetByTestId("connection-json-input").FillAsync(profile.ConnectionJson);
        await page.GetByTestId("save-connection-json").ClickAsync();
        await Expect(page.GetByTestId("connection-json-entered")).ToContainTextAsync("accAuth");
        foreach (var (token, value) in profile.Placeholders)
        {
            await page.GetByTestId($"wizard-placeholder-{token}").FillAsync(value);
            await page.GetByTestId($"wizard-placeholder-{token}").BlurAsync();
        }

        await Screenshots.SaveAsync(page, "21-onboarding-credentials");
        await page.GetByTestId("wizard-fill-placeholders").ClickAsync();
        await Expect(page.GetByTestId("no-placeholders")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("step-Credentials")).ToHaveAttributeAsync("data-done", "true");
        await page.GetByTestId("next-step").ClickAsync();

        // (c) URL rewrites: the package's https://@HOST_URL@ goes to the simulator's plain-HTTP loopback address
        await Expect(page.GetByTestId("panel-Target")).ToBeVisibleAsync();
        if (profile.BaseUrl is not null) await page.GetByTestId("wizard-base-url").FillAsync(profile.BaseUrl);
        foreach (var (from, to) in profile.UrlRewrites)
        {
            await page.GetByTestId("add-rewrite").ClickAsync();
            await page.GetByTestId("rewrite-from").Last.FillAsync(from);
            await page.GetByTestId("rewrite-to").Last.FillAsync(to);
            await page.GetByTestId("rewrite-to").Last.BlurAsync();
        }

        await page.GetByTestId("wizard-save-target").ClickAsync();
        await Expect(page.GetByTestId("step-Target")).ToHaveAttributeAsync("data-done", "true");
        await Screenshots.SaveAsync(page, "22-onboarding-target");

        // Leave, and resume from the list of onboardings in progress: it reopens at the test step
        await page.GotoAsync("/admin/onboarding");
        await LoginPage.WaitForCircuitAsync(page);
        var row = page.GetByTestId("onboarding-row").Filter(new() { HasText = ConnectionName });
        await Expect(row).ToContainTextAsync("Test connection");
        await Expect(row).ToContainTextAsync("3 of 7");
        await Screenshots.SaveAsync(page, "28-onboarding-in-progress");
        await page.GetByTestId($"resume-{ConnectionName}").ClickAsync();
        await Expect(page.GetByTestId("panel-Test")).ToBeVisibleAsync();

        // (d) Test Connection: the token call succeeds, the exchange is shown with the secret redacted
        await page.GetByTestId("wizard-test-connection").ClickAsync();
        await Expect(page.GetByTestId("wizard-test-result")).ToContainTextAsync("Connected");
        await Expect(page.GetByTestId("wizard-test-exchange").First).ToContainTextAsync($"POST {sim.BaseUrl}oauth/token");
        var request = page.GetByTestId("wizard-test-request").First;
        await Expect(request).ToContainTextAsync("Authorization: Basic ***");
        await Expect(request).Not.ToContainTextAsync(sim.Credentials["client_secret"]);
        await Screenshots.SaveAsync(page, "23-onboarding-test-connection");
        await page.GetByTestId("next-step").ClickAsync();

        // (e) security system and endpoint, names suggested from the connection
        await Expect(page.GetByTestId("panel-SystemAndEndpoint")).ToBeVisibleAsync();
        await page.GetByTestId("wizard-system-name").FillAsync("sap-btp");
        await page.GetByTestId("wizard-endpoint-name").FillAsync("sap-btp-wizard");
        await page.GetByTestId("wizard-endpoint-name").BlurAsync();
        await page.GetByTestId("wizard-create-system").ClickAsync();
        await Expect(page.GetByTestId("endpoint-exists")).ToContainTextAsync("sap-btp-wizard");
        await Expect(page.GetByTestId("system-exists")).ToContainTextAsync("sap-btp");
        await Screenshots.SaveAsync(page, "24-onboarding-system-endpoint");
        await page.GetByTestId("next-step").ClickAsync();

        // (f) preview: the first accounts and entitlements it would bring; nothing is written
        var expectedAccounts = sim.State.GetAccounts();
        await page.GetByTestId("wizard-run-preview").ClickAsync();
        await Expect(page.GetByTestId("wizard-run-status")).ToHaveAttributeAsync("data-status", "PreviewReady", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("preview-account")).ToHaveCountAsync(10);
        await Expect(page.GetByTestId("preview-entitlement").First).ToBeVisibleAsync();
        var firstShown = await page.GetByTestId("preview-account").First.Locator("td").First.InnerTextAsync();
        Assert.Contains(expectedAccounts, a => a.Name == firstShown);
        await Expect(page.GetByTestId("wizard-plan")).ToContainTextAsync(expectedAccounts.Count.ToString());
        Assert.Equal(0, await CountAccountsAsync(portal, "sap-btp-wizard"));
        await Screenshots.SaveAsync(page, "25-onboarding-preview");
        await page.GetByTestId("next-step").ClickAsync();

        // (g) import, then a nightly schedule
        await page.GetByTestId("wizard-run-import").ClickAsync();
        await Expect(page.GetByTestId("onboarding-complete")).ToContainTextAsync($"{expectedAccounts.Count} account(s)", new() { Timeout = 60_000 });
        await page.GetByTestId("wizard-job-name").FillAsync("nightly-sap-btp-wizard");
        await page.GetByTestId("wizard-job-cron").FillAsync("0 0 3 * * ?");
        await page.GetByTestId("wizard-job-cron").BlurAsync();
        await page.GetByTestId("wizard-create-job").ClickAsync();
        await Expect(page.GetByTestId("schedule-exists")).ToContainTextAsync("nightly-sap-btp-wizard");
        await Expect(page.GetByTestId("step-Import")).ToHaveAttributeAsync("data-done", "true");
        await Screenshots.SaveAsync(page, "26-onboarding-imported");

        // Assert: the accounts are in the Identity Repository, and the onboarding has left the in-progress list
        Assert.Equal(expectedAccounts.Count, await CountAccountsAsync(portal, "sap-btp-wizard"));
        await page.GetByTestId("see-accounts").ClickAsync();
        await Expect(page.GetByTestId("accounts-endpoint")).ToContainTextAsync("sap-btp-wizard");
        var listed = await page.GetByTestId("account-link").First.InnerTextAsync();
        Assert.Contains(expectedAccounts, a => a.Name == listed);
        await Screenshots.SaveAsync(page, "27-onboarding-accounts");
        await page.GotoAsync("/admin/onboarding");
        await LoginPage.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("onboardings-in-progress")).Not.ToContainTextAsync(ConnectionName);
    }

    private static async Task<int> CountAccountsAsync(PortalServer portal, string endpoint)
    {
        var factory = portal.Services.GetRequiredService<IDbContextFactory<AdminPortalDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        return await db.Accounts.CountAsync(a => a.Endpoint!.Name == endpoint);
    }
}
