using Microsoft.Playwright;

namespace AdminPortal.E2E.Infrastructure;

/// <summary>Screenshots for docs/: the test run refreshes them so the pictures stay current.</summary>
public static class Screenshots
{
    public static async Task SaveAsync(IPage page, string name)
    {
        var folder = Path.Combine(RepositoryRoot(), "docs", "screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png") });
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AdminPortal.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("AdminPortal.sln not found above the test folder.");
    }
}
