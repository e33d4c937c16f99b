using System.Globalization;
using Microsoft.Playwright;

namespace AdminPortal.E2E.Pages;

/// <summary>The /requests/new page.</summary>
public static class RequestForm
{
    /// <summary>
    /// Submits the request and returns its id from the "My requests" address the page navigates to. The first
    /// submission of a run pays first-use costs (a CI run beside the integration tests once needed more than 20 s),
    /// so the wait is long; a refusal shown on the page, or a dropped circuit, fails at once with what the page says.
    /// </summary>
    public static async Task<long> SubmitAsync(IPage page)
    {
        await page.GetByTestId("request-submit").ClickAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var query = new Uri(page.Url).Query;
            if (query.StartsWith("?id=", StringComparison.Ordinal))
                return long.Parse(query["?id=".Length..], CultureInfo.InvariantCulture);

            var refusals = await page.Locator(".field-error").AllInnerTextsAsync();
            if (refusals.Count > 0)
                throw new InvalidOperationException($"The request was refused: {string.Join(" | ", refusals)}");
            if (DateTime.UtcNow > deadline)
            {
                var text = await page.Locator("body").InnerTextAsync();
                throw new TimeoutException($"Submitting the request did not reach /requests?id= within 60 s; the page ({page.Url}) shows: {text[..Math.Min(text.Length, 1500)]}");
            }

            await Task.Delay(200);
        }
    }
}
