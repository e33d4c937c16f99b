using AdminPortal.E2E.Infrastructure;
using AdminPortal.E2E.Pages;
using AdminPortal.Web.Features.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.E2E;

[Collection(BrowserCollection.Name)]
public class SecuritySystemJourneyTests(BrowserFixture browser)
{
    [Fact]
    public async Task SecuritySystem_WithTwoEndpointsFromImportedConnection_ChecklistShowsWhatIsMissing()
    {
        // Arrange: the SAP BTP package is imported (its ConnectionJSON still needs entry)
        var zip = await File.ReadAllBytesAsync(Path.Combine(SharedPackagesFolder(), "SAP_Business_Technology_Platform.zip"));
        var outcome = await browser.Portal.Services.GetRequiredService<TransportService>().ImportAsync(zip, "sap.zip", null, "admin", "ui");
        Assert.Equal("succeeded", outcome.Status);
        var page = await browser.NewPageAsync();
        await new LoginPage(page).SignInAsync("admin", PortalServer.AdminPassword);

        // Act: create the security system
        await page.GotoAsync("/admin/security-systems/new");
        await LoginPage.WaitForCircuitAsync(page);
        await page.GetByTestId("system-name").FillAsync("sap-btp");
        await PickAsync(page, "system-import-connection", "SAP_Business_Technology_Platform");
        await page.GetByTestId("save-system").ClickAsync();
        await Expect(page.GetByTestId("setup-checklist")).ToBeVisibleAsync();

        // … and two endpoints
        foreach (var endpoint in new[] { "sap-btp-dev", "sap-btp-prod" })
        {
            await page.GetByTestId("new-endpoint").ClickAsync();
            await Expect(page.GetByTestId("endpoint-name")).ToBeVisibleAsync();
            await page.GetByTestId("endpoint-name").FillAsync(endpoint);
            await page.GetByTestId("add-type").ClickAsync();
            await page.GetByTestId("type-name").Last.FillAsync("Groups");
            await page.GetByTestId("save-endpoint").ClickAsync();
            await Expect(page.GetByTestId("system-endpoints")).ToContainTextAsync(endpoint);
        }

        // Assert: endpoints listed; checklist: connection chosen and endpoints done, ConnectionJSON and placeholder still to do
        var checklist = page.GetByTestId("setup-checklist");
        await Expect(checklist.GetByTestId("check-done").Filter(new() { HasText = "Connection for import chosen" })).ToHaveCountAsync(1);
        await Expect(checklist.GetByTestId("check-done").Filter(new() { HasText = "At least one endpoint" })).ToHaveCountAsync(1);
        await Expect(checklist.GetByTestId("check-todo").Filter(new() { HasText = "ConnectionJSON entered" })).ToHaveCountAsync(1);
        await Expect(checklist.GetByTestId("check-todo").Filter(new() { HasText = "Placeholders filled" })).ToContainTextAsync("@HOST_URL@");
        await Screenshots.SaveAsync(page, "05-security-system-checklist");
    }

    private static async Task PickAsync(IPage page, string testId, string text)
    {
        // Radzen keeps every dropdown's item list in the DOM (hidden while closed), so pick the item
        // of the popup that is open now, and reopen if a re-render closed it before the click landed.
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

    private static string SharedPackagesFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "packages", "saviynt");
            if (Directory.Exists(candidate)) return candidate;
        }

        throw new DirectoryNotFoundException("../shared/packages/saviynt");
    }
}
