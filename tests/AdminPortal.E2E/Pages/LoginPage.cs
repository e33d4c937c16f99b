using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.E2E.Pages;

public sealed class LoginPage(IPage page)
{
    public async Task SignInAsync(string username, string password)
    {
        await page.GotoAsync("/account/login");
        await page.FillAsync("#username", username);
        await page.FillAsync("#password", password);
        await page.ClickAsync("[data-testid=sign-in]");
        await Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync(username);
        await WaitForCircuitAsync(page);
    }

    /// <summary>Prerendered markup is replaced when the circuit starts; act only after that.</summary>
    public static async Task WaitForCircuitAsync(IPage page) =>
        await page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });

    public async Task SignOutAsync()
    {
        await page.ClickAsync("[data-testid=sign-out]");
        await Expect(page.Locator("#username")).ToBeVisibleAsync();
    }
}
