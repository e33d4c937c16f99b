using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.E2E.Pages;

/// <summary>The /jobs page and the run detail page.</summary>
public sealed class JobsPage(IPage page)
{
    public async Task OpenAsync()
    {
        await page.GotoAsync("/jobs");
        await LoginPage.WaitForCircuitAsync(page);
    }

    public async Task RunNowAsync(string endpoint)
    {
        await PickAsync(page, "run-endpoint", endpoint);
        await page.GetByTestId("run-now").ClickAsync();
    }

    public ILocator ActiveRun => page.GetByTestId("active-run");

    /// <summary>Radzen keeps every dropdown's list in the DOM: pick from the popup open now, reopening if a re-render closed it.</summary>
    public static async Task PickAsync(IPage page, string testId, string text)
    {
        var item = page.Locator(".rz-dropdown-item:visible", new() { HasText = text }).First;
        for (var attempt = 0; ; attempt++)
        {
            await page.GetByTestId(testId).ClickAsync();
            try
            {
                await item.ClickAsync(new() { Timeout = 5000 });
                await Expect(page.GetByTestId(testId)).ToContainTextAsync(text);
                return;
            }
            catch (Exception e) when (e is TimeoutException or PlaywrightException && attempt < 2)
            {
            }
        }
    }
}
