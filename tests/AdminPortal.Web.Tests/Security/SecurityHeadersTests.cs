using System.Net;
using AdminPortal.Web.Security;
using AdminPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace AdminPortal.Web.Tests.Security;

/// <summary>Hardening headers on pages, API answers, static files and errors; cookie flags; HTTPS only when configured.</summary>
public sealed class SecurityHeadersTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Theory]
    [InlineData("/account/login", HttpStatusCode.OK)]
    [InlineData("/", HttpStatusCode.Redirect)]
    [InlineData("/api/transport/history", HttpStatusCode.Unauthorized)]
    [InlineData("/css/app.css", HttpStatusCode.OK)]
    [InlineData("/health", HttpStatusCode.OK)]
    [InlineData("/no-such-page", HttpStatusCode.Redirect)]
    public async Task EveryAnswer_CarriesTheHardeningHeaders(string path, HttpStatusCode status)
    {
        var client = factory.CreateNonRedirectingClient();
        using var response = await client.GetAsync(path);
        Assert.Equal(status, response.StatusCode);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("script-src 'self';", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("object-src 'none'", csp);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    [Fact]
    public async Task Cookies_AreHttpOnly_SameSiteStrict_AndSecureOverHttps()
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions
        {
            AllowAutoRedirect = false,
            HandleCookies = true,
            BaseAddress = new Uri("https://localhost"),
        });
        using var signIn = await SignedInClient.PostLoginAsync(client, "admin", PortalFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var auth = Assert.Single(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("AdminPortal.Auth=", StringComparison.Ordinal));
        Assert.Contains("httponly", auth, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", auth, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", auth, StringComparison.OrdinalIgnoreCase);

        using var login = await factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost") }).GetAsync("/account/login");
        var antiforgery = Assert.Single(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("AdminPortal.Antiforgery=", StringComparison.Ordinal));
        Assert.Contains("httponly", antiforgery, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", antiforgery, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", antiforgery, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(null, null, false)]
    [InlineData("urls", "http://localhost:5080", false)]
    [InlineData("urls", "http://localhost:5080;https://localhost:5443", true)]
    [InlineData("https_port", "443", true)]
    [InlineData("Kestrel:Endpoints:Https:Url", "https://0.0.0.0:5443", true)]
    [InlineData("Kestrel:Endpoints:Http:Url", "http://0.0.0.0:5080", false)]
    public void HttpsRedirection_OnlyWhenAnHttpsAddressIsConfigured(string? key, string? value, bool expected)
    {
        var settings = new Dictionary<string, string?>();
        if (key is not null) settings[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        Assert.Equal(expected, SecurityHeaders.HttpsConfigured(configuration));
    }
}
