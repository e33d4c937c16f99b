using AdminPortal.Core.Domain;
using AdminPortal.E2E.Infrastructure;
using AdminPortal.E2E.Pages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Newtonsoft.Json.Linq;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.E2E;

[Collection(BrowserCollection.Name)]
public class ConnectionJourneyTests(BrowserFixture browser)
{
    private async Task<IPage> SignedInWithPackageAsync(string zip)
    {
        var page = await browser.NewPageAsync();
        await new LoginPage(page).SignInAsync("admin", PortalServer.AdminPassword);
        var transport = new TransportPage(page);
        await transport.OpenAsync();
        await transport.UploadAsync(SharedPackages.PathOf(zip));
        await Expect(transport.PreviewTable.Locator("tbody tr")).ToHaveCountAsync(1);
        await transport.ImportAsync();
        return page;
    }

    [Fact]
    public async Task ImportedPackage_ConnectionPage_ShowsAttributesInMonacoAndFlagsConnectionJson()
    {
        var page = await SignedInWithPackageAsync("Signal_Sciences");

        await page.GotoAsync("/admin/connections");
        await LoginPage.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("needs-entry-Signal_Sciences")).ToBeVisibleAsync();
        await page.GetByTestId("connections-grid").GetByRole(AriaRole.Link, new() { Name = "Signal_Sciences", Exact = true }).ClickAsync();

        var connection = new ConnectionPage(page);
        await Expect(page.GetByTestId("connection-title")).ToHaveTextAsync("Signal_Sciences");
        await Expect(connection.NeedsEntryBanner).ToContainTextAsync("ConnectionJSON needs entry");
        await Expect(page.GetByTestId("selected-attribute")).ToHaveTextAsync(ConnectionAttributeNames.ConnectionJson);
        await connection.SelectAttributeAsync(ConnectionAttributeNames.ImportAccountEntJson);
        await Expect(connection.EditorLines).ToContainTextAsync("accountParams");
        await Expect(connection.SyntaxErrorMarkers).ToHaveCountAsync(0);
        // The Content-Security-Policy (docs/reliability.md) lets Blazor, Radzen and Monaco and its workers run.
        Assert.Empty(browser.ConsoleProblems(page));
    }

    [Fact]
    public async Task SyntaxError_MarkedInlineAndSaveRefused_ThenFixedSavedAndHistoryShowsTheDiff()
    {
        var page = await SignedInWithPackageAsync("Bynder");
        var connection = new ConnectionPage(page);
        await connection.OpenAsync("bynder");
        await connection.SelectAttributeAsync(ConnectionAttributeNames.CreateAccountJson);
        await Expect(connection.EditorLines).ToContainTextAsync("accountIdPath");
        await Expect(page.GetByTestId("attribute-editor").Locator(".tpl-expr").First).ToBeVisibleAsync();

        // The provisioning schema warns about a key it does not know (Saviynt's keys are case-sensitive).
        await connection.InsertAfterOpeningBraceAsync("\"SuccessResponses\": {},");
        await Expect(page.GetByTestId("attribute-editor").Locator(".squiggly-warning").First).ToBeVisibleAsync();
        Assert.Contains("Property SuccessResponses is not allowed.", await connection.MarkerMessagesAsync());
        await connection.DiscardEditsAsync();
        await Expect(connection.EditorLines).Not.ToContainTextAsync("SuccessResponses");

        // A property without the comma that must follow it.
        await connection.InsertAfterOpeningBraceAsync("\"dateFormat\": \"yyyy-MM-dd\"");
        await Expect(connection.SyntaxErrorMarkers.First).ToBeVisibleAsync();
        await connection.ClickSaveAsync();
        await Expect(connection.SaveError).ToContainTextAsync("CreateAccountJSON:");
        await Expect(connection.SaveError).ToContainTextAsync("line 2");
        var services = browser.Portal.Services.GetRequiredService<AdminPortal.Web.Features.Connections.ConnectionService>();
        Assert.DoesNotContain("dateFormat", (await services.GetDecryptedAsync("bynder"))!.Attribute(ConnectionAttributeNames.CreateAccountJson)!.Value);

        await connection.DiscardEditsAsync();
        await Expect(connection.EditorLines).Not.ToContainTextAsync("dateFormat");

        // Valid JSON, but a ${...} that does not parse: refused by the server, and its line underlined with the reason.
        await connection.InsertAfterOpeningBraceAsync("\"dateFormat\": \"${user.\",");
        await Expect(connection.SyntaxErrorMarkers).ToHaveCountAsync(0);
        await connection.ClickSaveAsync();
        await Expect(connection.SaveError).ToContainTextAsync("CreateAccountJSON: dateFormat (line 1");
        await Expect(connection.SyntaxErrorMarkers.First).ToBeVisibleAsync();
        Assert.Contains(await connection.MarkerMessagesAsync(), m => m.Contains("does not parse", StringComparison.Ordinal));
        await Screenshots.SaveAsync(page, "06-connection-template-refused");
        Assert.DoesNotContain("dateFormat", (await services.GetDecryptedAsync("bynder"))!.Attribute(ConnectionAttributeNames.CreateAccountJson)!.Value);
        await connection.DiscardEditsAsync();
        await Expect(connection.EditorLines).Not.ToContainTextAsync("dateFormat");
        await connection.InsertAfterOpeningBraceAsync("\"dateFormat\": \"yyyy-MM-dd\",");
        await Expect(connection.SyntaxErrorMarkers).ToHaveCountAsync(0);
        await connection.ClickSaveAsync();
        await connection.ConfirmSaveAsync();

        var saved = (await services.GetDecryptedAsync("bynder"))!.Attribute(ConnectionAttributeNames.CreateAccountJson)!.Value!;
        Assert.Equal("yyyy-MM-dd", (string?)JObject.Parse(saved)["dateFormat"]);
        await Expect(connection.History.Locator("tbody tr").First).ToContainTextAsync("edit");
        await connection.ShowNewestVersionDiffAsync();
        await Expect(connection.HistoryDiff.Locator(".modified-in-monaco-diff-editor, .line-insert, .char-insert").First).ToBeAttachedAsync();
        await Expect(connection.HistoryDiff).ToContainTextAsync("dateFormat");
        // Tall enough to show the editor, the history and its diff in one picture.
        await page.SetViewportSizeAsync(1360, 1500);
        await Expect(page.Locator(".rz-notification-item")).ToHaveCountAsync(0, new() { Timeout = 20_000 });
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await Screenshots.SaveAsync(page, "06-connection-editor");
        Assert.Empty(browser.ConsoleProblems(page));
    }

    [Fact]
    public async Task Secrets_MaskedUntilRevealed_RevealAudited_PlaygroundEvaluatesARecord()
    {
        const string secret = "abcd1234-client-secret";
        var services = browser.Portal.Services.GetRequiredService<AdminPortal.Web.Features.Connections.ConnectionService>();
        Assert.Empty(await services.CreateAsync(new AdminPortal.Web.Features.Connections.ConnectionDetails("Masked Journey", "secrets"), "admin"));
        Assert.True((await services.SaveAttributeAsync("Masked Journey", ConnectionAttributeNames.ConnectionJson,
            "{\n  \"authentications\": {\n    \"acctAuth\": {\n      \"authType\": \"oauth2\",\n      \"url\": \"http://127.0.0.1:9/token\",\n      \"httpParams\": { \"grant_type\": \"client_credentials\", \"client_secret\": \"" + secret + "\" }\n    }\n  }\n}", "admin")).Saved);
        var page = await browser.NewPageAsync();
        await new LoginPage(page).SignInAsync("admin", PortalServer.AdminPassword);
        var connection = new ConnectionPage(page);
        await connection.OpenAsync("Masked Journey");

        await Expect(connection.EditorLines).ToContainTextAsync("client_secret");
        await Expect(connection.EditorLines).Not.ToContainTextAsync(secret);
        await Expect(page.GetByTestId("attribute-editor").Locator(".secret-mask").First).ToBeVisibleAsync();
        await page.GetByTestId("reveal-secrets").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Reveal", Exact = true }).ClickAsync();
        await Expect(connection.EditorLines).ToContainTextAsync(secret);
        await using (var db = browser.Portal.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<AdminPortal.Data.AdminPortalDbContext>>().CreateDbContext())
        {
            var audit = db.AuditEvents.Single(e => e.Action == "connection.secret.reveal" && e.TargetName == "Masked Journey");
            Assert.Equal("admin", audit.Actor);
            Assert.StartsWith("ConnectionJSON", audit.Details);
        }

        await page.GetByRole(AriaRole.Tab, new() { Name = "Expression playground" }).ClickAsync();
        await page.GetByTestId("playground-template").FillAsync("login-${response.name.toUpperCase()}");
        await page.GetByTestId("playground-record").FillAsync("{\"name\": \"ada\"}");
        await page.GetByTestId("playground-evaluate").ClickAsync();
        await Expect(page.GetByTestId("playground-result")).ToHaveTextAsync("login-ADA");
        await page.GetByTestId("playground-template").FillAsync("a\n${response.name +}");
        await page.GetByTestId("playground-evaluate").ClickAsync();
        await Expect(page.GetByTestId("playground-error")).ToContainTextAsync("Line 2");
    }
}
