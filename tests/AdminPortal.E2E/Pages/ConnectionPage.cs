using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AdminPortal.E2E.Pages;

/// <summary>Admin → Connections → one connection: the attribute list, the Monaco editor, save review and history.</summary>
public sealed class ConnectionPage(IPage page)
{
    public async Task OpenAsync(string name)
    {
        await page.GotoAsync($"/admin/connections/{Uri.EscapeDataString(name)}");
        await LoginPage.WaitForCircuitAsync(page);
        await Expect(page.GetByTestId("connection-title")).ToHaveTextAsync(name);
    }

    public ILocator NeedsEntryBanner => page.GetByTestId("needs-entry-banner");

    public ILocator Editor => page.GetByTestId("attribute-editor").Locator(".monaco-editor").First;

    /// <summary>The editor's visible text (Monaco renders lines as spans; non-breaking spaces become spaces).</summary>
    public ILocator EditorLines => page.GetByTestId("attribute-editor").Locator(".view-lines");

    public ILocator SyntaxErrorMarkers => page.GetByTestId("attribute-editor").Locator(".squiggly-error");

    public ILocator SaveError => page.GetByTestId("save-error");

    public ILocator History => page.GetByTestId("attribute-history");

    public async Task SelectAttributeAsync(string attribute)
    {
        await page.GetByTestId($"attribute-{attribute}").ClickAsync();
        await Expect(page.GetByTestId("selected-attribute")).ToHaveTextAsync(attribute);
        await Expect(Editor).ToBeVisibleAsync();
    }

    /// <summary>Puts the cursor just after the document's first character (the opening brace) and inserts <paramref name="text"/>.</summary>
    public async Task InsertAfterOpeningBraceAsync(string text)
    {
        await Editor.Locator(".view-lines").ClickAsync();
        await page.Keyboard.PressAsync("Control+Home");
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.InsertTextAsync(text);
    }

    public async Task DiscardEditsAsync() => await page.GetByTestId("discard-edits").ClickAsync();

    /// <summary>Messages of the errors and warnings Monaco shows for the current document (syntax and schema).</summary>
    public async Task<string[]> MarkerMessagesAsync() =>
        await page.EvaluateAsync<string[]>("() => { const e = blazorMonaco.editor.getEditor('connection-attribute-editor'); return monaco.editor.getModelMarkers({ resource: e.getModel().uri }).map(m => m.message); }");

    public async Task ClickSaveAsync() => await page.GetByTestId("save-attribute").ClickAsync();

    public async Task ConfirmSaveAsync()
    {
        await Expect(page.GetByTestId("review-changes").Locator(".monaco-diff-editor")).ToBeVisibleAsync();
        await page.GetByTestId("confirm-save").ClickAsync();
        await Expect(page.GetByTestId("review-changes")).ToHaveCountAsync(0);
    }

    public async Task ShowNewestVersionDiffAsync()
    {
        await History.GetByTestId("version-diff").First.ClickAsync();
        await Expect(page.GetByTestId("history-diff").Locator(".monaco-diff-editor")).ToBeVisibleAsync();
    }

    public ILocator HistoryDiff => page.GetByTestId("history-diff");
}
