using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.E2E.Pages;

public sealed class TransportPage(IPage page)
{
    public async Task OpenAsync()
    {
        await page.GotoAsync("/admin/transport");
        await LoginPage.WaitForCircuitAsync(page);
    }

    public async Task UploadAsync(string zipPath) => await page.GetByTestId("package-file").SetInputFilesAsync(zipPath);

    public ILocator PreviewTable => page.GetByTestId("preview-table");

    public async Task ImportAsync()
    {
        await page.GetByTestId("import-package").ClickAsync();
        await Expect(page.GetByTestId("import-outcome")).ToContainTextAsync("succeeded");
    }
}
