using AdminPortal.E2E.Infrastructure;
using AdminPortal.E2E.Pages;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.E2E;

[Collection(BrowserCollection.Name)]
public class UserJourneyTests(BrowserFixture browser)
{
    [Fact]
    public async Task Administrator_CreatesReviewer_ReviewerSeesRepositoryButNotAdmin()
    {
        // Arrange
        var page = await browser.NewPageAsync();
        var login = new LoginPage(page);
        await login.SignInAsync("admin", PortalServer.AdminPassword);
        await Screenshots.SaveAsync(page, "01-home-admin");

        // Act: the administrator creates a reviewer and signs out
        var users = new UserAdminPage(page);
        await users.OpenAsync();
        await users.CreateUserAsync("rachel", "Rachel", "Reviewer", "Reviewer-Passw0rd", "ROLE_REVIEWER");
        await Screenshots.SaveAsync(page, "02-users-admin");
        await login.SignOutAsync();

        // Assert: the reviewer sees Identity Repository, not Admin, and a typed Admin URL is refused
        await login.SignInAsync("rachel", "Reviewer-Passw0rd");
        await Expect(page.GetByTestId("menu-identity-repository")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("menu-admin")).ToHaveCountAsync(0);
        await page.GotoAsync("/admin/users");
        await Expect(page.GetByTestId("access-denied")).ToBeVisibleAsync();
        Assert.Contains("/account/denied", page.Url);
        await page.GotoAsync("/identities/users");
        await Expect(page.GetByTestId("users-grid")).ToContainTextAsync("rachel");
    }

    [Fact]
    public async Task UserCsv_ThreeGoodTwoBadRows_ImportsThreeAndReportsTwo()
    {
        var csv = Path.Combine(Path.GetTempPath(), $"users-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(csv, """
                                          username,firstname,lastname,email,manager,status
                                          e2e.boss,Bea,Boss,bea@example.test,,active
                                          e2e.carl,Carl,Clerk,carl@example.test,e2e.boss,active
                                          e2e.nomail,No,Mail,not-an-address,,active
                                          e2e.dana,Dana,Dev,dana@example.test,e2e.boss,inactive
                                          e2e.orphan,Or,Phan,orphan@example.test,ghost,active
                                          """);
        var page = await browser.NewPageAsync();
        await new LoginPage(page).SignInAsync("admin", PortalServer.AdminPassword);
        var users = new UserAdminPage(page);
        await users.OpenAsync();

        await users.ImportCsvAsync(csv);

        await Expect(page.GetByTestId("csv-summary")).ToContainTextAsync("Imported 3 row(s)");
        var errors = page.GetByTestId("csv-errors").Locator("tbody tr");
        await Expect(errors).ToHaveCountAsync(2);
        await Expect(errors.Nth(0)).ToContainTextAsync("4");
        await Expect(errors.Nth(0)).ToContainTextAsync("not-an-address");
        await Expect(errors.Nth(1)).ToContainTextAsync("6");
        await Expect(errors.Nth(1)).ToContainTextAsync("manager 'ghost' does not exist");
        await Screenshots.SaveAsync(page, "03-user-csv-import");
        await Expect(page.GetByTestId("users-grid")).ToContainTextAsync("e2e.carl");
        await Expect(page.GetByTestId("users-grid")).Not.ToContainTextAsync("e2e.orphan");
    }
}
