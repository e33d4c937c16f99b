using System.Net;
using System.Text.RegularExpressions;

namespace AdminPortal.Web.Tests.Infrastructure;

/// <summary>Signs in through the real form post (with its antiforgery token), as a browser does.</summary>
public static partial class SignedInClient
{
    public static async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string username, string password)
    {
        var page = await client.GetStringAsync("/account/login");
        var token = AntiforgeryField().Match(page).Groups[1].Value;
        return await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["username"] = username,
            ["password"] = password,
            ["returnUrl"] = "/",
        }));
    }

    public static async Task<HttpClient> CreateAsync(PortalFactory factory, string username, string password)
    {
        var client = factory.CreateNonRedirectingClient();
        var response = await PostLoginAsync(client, username, password);
        if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.OriginalString != "/")
            throw new InvalidOperationException($"Sign-in as {username} failed: {(int)response.StatusCode} {response.Headers.Location}");
        return client;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
