using Microsoft.Playwright;

namespace AdminPortal.E2E.Infrastructure;

/// <summary>
/// One Debian Chromium per test run (Playwright cannot download browsers here), and one portal.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = default!;
    public PortalServer Portal { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: run the README test command, which installs Debian's chromium.");
        Portal = await PortalServer.StartAsync();
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        Assertions.SetDefaultExpectTimeout(20_000);
    }

    public Task<IPage> NewPageAsync() => NewPageAsync(Portal);

    /// <summary>A page on another portal than the shared one (a test that needs an empty database of its own).</summary>
    public async Task<IPage> NewPageAsync(PortalServer portal)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = portal.BaseUrl, ViewportSize = new ViewportSize { Width = 1360, Height = 860 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        // Content-Security-Policy violations (and Monaco's worker fallback) are reported on the console.
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)
                || message.Text.Contains("Could not create web worker", StringComparison.OrdinalIgnoreCase))
            {
                lock (consoleProblems) consoleProblems.Add((page, message.Text));
            }
        };
        return page;
    }

    private readonly List<(IPage Page, string Text)> consoleProblems = [];

    /// <summary>CSP violations and worker fallbacks the browser reported for one page.</summary>
    public IReadOnlyList<string> ConsoleProblems(IPage page)
    {
        lock (consoleProblems) return consoleProblems.Where(p => p.Page == page).Select(p => p.Text).ToList();
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        playwright?.Dispose();
        await Portal.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
