using AdminPortal.Core.Domain;
using AdminPortal.E2E.Infrastructure;
using AdminPortal.E2E.Pages;
using AdminPortal.Web.Features.Connections;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.E2E;

[Collection(BrowserCollection.Name)]
public class TransportJourneyTests(BrowserFixture browser)
{
    [Theory]
    [InlineData("SAP_Business_Technology_Platform", "SAP_Business_Technology_Platform")]
    [InlineData("Confluent", "Confluent")]
    [InlineData("INCONTACT", "Incontact")]
    [InlineData("Signal_Sciences", "Signal_Sciences")]
    [InlineData("Bynder", "bynder")]
    public async Task ImportPackage_RealZip_PreviewListsOneConnectionThenImportsIt(string zip, string connectionName)
    {
        var page = await browser.NewPageAsync();
        await new LoginPage(page).SignInAsync("admin", PortalServer.AdminPassword);
        var transport = new TransportPage(page);
        await transport.OpenAsync();

        await transport.UploadAsync(SharedPackages.PathOf(zip));

        // 45 s, not the default 15 s: the first case of the E2E run pays the portal's first-use costs while the Web test
        // project runs beside it on 2 cores (a clean-clone CI run once took longer than 15 s here; alone it takes ~1 s).
        await Expect(transport.PreviewTable.Locator("tbody tr")).ToHaveCountAsync(1, new() { Timeout = 45_000 });
        await Expect(page.GetByTestId($"preview-connection-{connectionName}")).ToContainTextAsync("ConnectionJSON: needs entry");
        if (zip == "Confluent") await Screenshots.SaveAsync(page, "04-transport-preview");
        await transport.ImportAsync();

        var stored = await browser.Portal.Services.GetRequiredService<ConnectionService>().GetDecryptedAsync(connectionName);
        Assert.NotNull(stored);
        Assert.True(stored.ConnectionJsonNeedsEntry);
        Assert.False(string.IsNullOrEmpty(stored.Attribute(ConnectionAttributeNames.ImportAccountEntJson)?.Value));

        // The connection page shows the package's attributes in Monaco and flags ConnectionJSON prominently.
        var connection = new Pages.ConnectionPage(page);
        await connection.OpenAsync(connectionName);
        await Expect(connection.NeedsEntryBanner).ToContainTextAsync("ConnectionJSON needs entry");
        await connection.SelectAttributeAsync(ConnectionAttributeNames.ImportAccountEntJson);
        await Expect(connection.EditorLines).ToContainTextAsync("accountParams");
        await Expect(connection.SyntaxErrorMarkers).ToHaveCountAsync(0);
    }
}
