using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.E2E.Pages;

public sealed class UserAdminPage(IPage page)
{
    public async Task OpenAsync()
    {
        await page.GotoAsync("/admin/users");
        await LoginPage.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("users-grid")).ToBeVisibleAsync();
    }

    public async Task CreateUserAsync(string username, string firstName, string lastName, string password, string role)
    {
        await page.ClickAsync("[data-testid=new-user]");
        await page.Locator("[data-testid=edit-username] , input[name=username]").First.FillAsync(username);
        await page.GetByTestId("edit-firstname").FillAsync(firstName);
        await page.GetByTestId("edit-lastname").FillAsync(lastName);
        await page.GetByTestId("edit-email").FillAsync($"{username}@example.test");
        // New users start with ROLE_ENDUSER; swap it for the requested role.
        await page.GetByTestId("edit-roles").GetByText("ROLE_ENDUSER").ClickAsync();
        await page.GetByTestId("edit-roles").GetByText(role).ClickAsync();
        await page.Locator("[data-testid=edit-password] input, input[data-testid=edit-password]").First.FillAsync(password);
        await page.ClickAsync("[data-testid=save-user]");
        await Expect(page.GetByTestId($"edit-{username}")).ToBeVisibleAsync();
    }

    public async Task ImportCsvAsync(string path) =>
        await page.GetByTestId("csv-file").SetInputFilesAsync(path);
}
