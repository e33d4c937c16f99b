using System.Net;
using AdminPortal.Core.Domain;
using AdminPortal.Web.Security;
using AdminPortal.Web.Tests.Infrastructure;
using AdminPortal.Web.Tests.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.Web.Tests.Security;

public class SignInTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task SignIn_WithBootstrapAdministrator_ReachesTheShell()
    {
        var client = await SignedInClient.CreateAsync(factory, "admin", PortalFactory.AdminPassword);
        var home = await client.GetStringAsync("/");
        Assert.Contains("AdminPortal", home);
        Assert.Contains(SavRoles.Admin, home);
    }

    [Fact]
    public async Task SignIn_WithoutAntiforgeryToken_IsRejected()
    {
        var client = factory.CreateNonRedirectingClient();
        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = "admin",
            ["password"] = PortalFactory.AdminPassword,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("AdminPortal.Auth", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SignIn_RepeatedFailures_LockTheUser()
    {
        await UserSeeding.AddUserAsync(factory, "lena", "Correct-Passw0rd", SavRoles.EndUser);
        var client = factory.CreateNonRedirectingClient();
        for (var i = 0; i < 5; i++)
        {
            var failed = await SignedInClient.PostLoginAsync(client, "lena", "wrong-password");
            Assert.Contains("error=", failed.Headers.Location!.OriginalString);
        }

        var locked = await SignedInClient.PostLoginAsync(client, "lena", "Correct-Passw0rd");
        Assert.Contains("error=locked", locked.Headers.Location!.OriginalString);
        await using var db = factory.CreateDbContext();
        var user = await db.Users.SingleAsync(u => u.Username == "lena");
        Assert.True(user.LockedUntilUtc > DateTime.UtcNow);
        Assert.True(await db.AuditEvents.AnyAsync(e => e.Action == "signin.failed" && e.TargetName == "lena"));
    }

    [Fact]
    public async Task ApiToken_CannotSignInNorOpenPages()
    {
        var tokens = factory.Services.GetRequiredService<ApiTokenService>();
        var created = await tokens.CreateAsync("admin", "test", 1, "test");
        var client = factory.CreateNonRedirectingClient();

        var asPassword = await SignedInClient.PostLoginAsync(client, "admin", created.Token);
        Assert.Contains("error=invalid", asPassword.Headers.Location!.OriginalString);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/users");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", created.Token);
        var page = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Contains("/account/login", page.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task ApiToken_IsStoredHashedAndRevocable()
    {
        var tokens = factory.Services.GetRequiredService<ApiTokenService>();
        var created = await tokens.CreateAsync("admin", "hash-check", null, "test");
        await using var db = factory.CreateDbContext();
        var stored = await db.ApiTokens.SingleAsync(t => t.Id == created.Id);
        Assert.NotEqual(created.Token, stored.TokenHash);
        Assert.DoesNotContain(created.Token, stored.TokenHash);
        Assert.NotNull(await tokens.ValidateAsync(created.Token, "test"));

        await tokens.RevokeAsync(created.Id, "test");
        Assert.Null(await tokens.ValidateAsync(created.Token, "test"));
    }
}
