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

        await Expect(transport.PreviewTable.Locator("tbody tr")).ToHaveCountAsync(1);
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
