using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using AdminPortal.Core.Domain;
using AdminPortal.Web.Features.Users;
using AdminPortal.Web.Security;
using AdminPortal.Web.Tests.Infrastructure;
using AdminPortal.Web.Tests.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.Web.Tests.Security;

/// <summary>
/// Every route of the app's route table × every kind of caller (signed out, end user, reviewer, administrator
/// with a cookie, an administrator's API token and the token of an administrator since demoted to reviewer). The expected answer is derived from each
/// endpoint's authorization metadata and, for the key routes, also stated explicitly (so a metadata change
/// that weakens a key route fails here even though the derived expectation would follow it).
/// </summary>
public sealed partial class AuthorizationMatrixTests(AuthorizationMatrixTests.Fixture fixture) : IClassFixture<AuthorizationMatrixTests.Fixture>
{
    public enum Caller { SignedOut, EndUser, Reviewer, Admin, AdminToken, DemotedAdminToken }

    private static readonly Caller[] AllCallers = Enum.GetValues<Caller>();

    /// <summary>The callers each key route must let through; every other caller is denied.</summary>
    private static readonly Dictionary<string, Caller[]> KeyRoutes = new(StringComparer.Ordinal)
    {
        ["GET /account/login"] = AllCallers,
        ["GET /health"] = AllCallers,
        ["GET /"] = [Caller.EndUser, Caller.Reviewer, Caller.Admin],
        ["GET /account/denied"] = [Caller.EndUser, Caller.Reviewer, Caller.Admin],
        ["GET /admin/connections"] = [Caller.Admin],
        ["GET /admin/connections/{Name}"] = [Caller.Admin],
        ["GET /admin/transport"] = [Caller.Admin],
        ["GET /admin/transport/export"] = [Caller.Admin],
        ["GET /admin/users"] = [Caller.Admin],
        ["GET /admin/api-tokens"] = [Caller.Admin],
        ["GET /admin/audit"] = [Caller.Admin],
        ["GET /admin/security-systems"] = [Caller.Admin],
        ["GET /admin/endpoints"] = [Caller.Admin],
        ["GET /jobs"] = [Caller.Admin],
        ["GET /openapi/{documentName}.json"] = [Caller.Admin],
        ["GET /identities/users"] = [Caller.Reviewer, Caller.Admin],
        ["GET /identities/accounts"] = [Caller.Reviewer, Caller.Admin],
        ["GET /identities/accounts/export.csv"] = [Caller.Reviewer, Caller.Admin],
        ["GET /identities/entitlements"] = [Caller.Reviewer, Caller.Admin],
        ["GET /api/connections/{name}"] = [Caller.AdminToken],
        ["PUT /api/connections/{name}"] = [Caller.AdminToken],
        ["POST /api/expressions/evaluate"] = [Caller.AdminToken],
        ["POST /api/transport/import"] = [Caller.AdminToken],
        ["POST /api/transport/export"] = [Caller.AdminToken],
        ["GET /api/transport/history"] = [Caller.AdminToken],
        ["POST /api/imports"] = [Caller.AdminToken],
        ["GET /api/endpoints/{name}/accounts"] = [Caller.AdminToken],
        ["GET /requests"] = [Caller.EndUser, Caller.Reviewer, Caller.Admin],
        ["GET /requests/new"] = [Caller.EndUser, Caller.Reviewer, Caller.Admin],
        ["GET /approvals"] = [Caller.EndUser, Caller.Reviewer, Caller.Admin],
        ["GET /admin/tasks"] = [Caller.Admin],
        ["GET /api/requests/{id:long}"] = [Caller.AdminToken],
        ["POST /api/requests/{id:long}/approve"] = [Caller.AdminToken],
        ["GET /api/tasks"] = [Caller.AdminToken],
        ["POST /api/provisioning/run"] = [Caller.AdminToken],
    };

    public sealed class Fixture : IAsyncLifetime
    {
        public PortalFactory Factory { get; } = new();
        public Dictionary<Caller, HttpClient> Clients { get; } = [];

        public async Task InitializeAsync()
        {
            await UserSeeding.AddUserAsync(Factory, "matrix-enduser", "EndUser-Passw0rd", SavRoles.EndUser);
            await UserSeeding.AddUserAsync(Factory, "matrix-reviewer", "Reviewer-Passw0rd", SavRoles.Reviewer);
            Clients[Caller.SignedOut] = Factory.CreateNonRedirectingClient();
            Clients[Caller.EndUser] = await SignedInClient.CreateAsync(Factory, "matrix-enduser", "EndUser-Passw0rd");
            Clients[Caller.Reviewer] = await SignedInClient.CreateAsync(Factory, "matrix-reviewer", "Reviewer-Passw0rd");
            Clients[Caller.Admin] = await SignedInClient.CreateAsync(Factory, "admin", PortalFactory.AdminPassword);
            var tokens = Factory.Services.GetRequiredService<ApiTokenService>();
            Clients[Caller.AdminToken] = Bearer((await tokens.CreateAsync("admin", "matrix", 1, "tests")).Token);
            // A token created while its owner was an administrator, then the owner was made a reviewer: it must stop working.
            await UserSeeding.AddUserAsync(Factory, "matrix-demoted", "Demoted-Passw0rd", SavRoles.Admin);
            var demotedToken = (await tokens.CreateAsync("matrix-demoted", "matrix", 1, "tests")).Token;
            var users = Factory.Services.GetRequiredService<UserService>();
            var demoted = (await users.FindAsync("matrix-demoted"))!;
            var errors = await users.SaveAsync(demoted.Id, new UserEdit("matrix-demoted", "matrix-demoted", "Test", "matrix-demoted@example.test", null, UserStatus.Active, [SavRoles.Reviewer]), null, "tests");
            if (errors.Count > 0) throw new InvalidOperationException(string.Join("; ", errors.Values));
            Clients[Caller.DemotedAdminToken] = Bearer(demotedToken);
        }

        private HttpClient Bearer(string token)
        {
            var client = Factory.CreateNonRedirectingClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return client;
        }

        public Task DisposeAsync()
        {
            foreach (var client in Clients.Values) client.Dispose();
            Factory.Dispose();
            return Task.CompletedTask;
        }
    }

    public sealed record Route(string Method, string Pattern, bool Anonymous, IReadOnlyList<string?> Policies, IReadOnlyList<AuthorizationPolicy> InlinePolicies)
    {
        public string Key => $"{Method} {Pattern}";
        public bool IsApi => Pattern.StartsWith("/api/", StringComparison.Ordinal) || Pattern == "/api";
    }

    private List<Route> RouteTable()
    {
        var source = fixture.Factory.Services.GetRequiredService<EndpointDataSource>();
        var routes = new List<Route>();
        foreach (var endpoint in source.Endpoints.OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).ToList();
            // RequireAuthorization(builder => …) adds a policy object instead of a named policy.
            var inline = endpoint.Metadata.GetOrderedMetadata<AuthorizationPolicy>().ToList();
            foreach (var method in methods)
            {
                routes.Add(new Route(method, "/" + endpoint.RoutePattern.RawText!.TrimStart('/'), anonymous, policies, inline));
            }
        }

        return routes.DistinctBy(r => r.Key).ToList();
    }

    /// <summary>What the endpoint's metadata says: which callers get past authorization.</summary>
    private static bool DerivedAllowed(Route route, Caller caller)
    {
        if (route.Anonymous) return true;
        // Bearer tokens are only looked at under /api (the policy scheme forwards everything else to the cookie).
        var tokenCaller = caller is Caller.AdminToken or Caller.DemotedAdminToken;
        var inlineAllowed = route.InlinePolicies.All(policy =>
        {
            // Only an active administrator's token authenticates (ApiTokenService.ValidateAsync), and only under /api.
            var authenticated = policy.AuthenticationSchemes.Contains(ApiTokenAuthenticationHandler.SchemeName)
                ? caller == Caller.AdminToken && route.IsApi
                : !tokenCaller && caller != Caller.SignedOut;
            var roles = policy.Requirements.OfType<Microsoft.AspNetCore.Authorization.Infrastructure.RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles).ToList();
            var roleOk = roles.Count == 0
                || (roles.Contains(SavRoles.Admin) && caller is Caller.Admin or Caller.AdminToken)
                || (roles.Contains(SavRoles.Reviewer) && caller == Caller.Reviewer)
                || (roles.Contains(SavRoles.EndUser) && caller == Caller.EndUser);
            return authenticated && roleOk;
        });
        if (!inlineAllowed) return false;
        // A bare [Authorize] beside an inline policy only asks for authentication, which the inline policy already decides
        // (ASP.NET Core combines them into one policy with the union of their schemes).
        var named = route.InlinePolicies.Count > 0 ? route.Policies.Where(p => p is not null).ToList() : route.Policies;
        if (named.Count == 0 && route.InlinePolicies.Count > 0) return true;
        var policies = named.Count == 0 ? [Policies.SignedIn] : named.Select(p => p ?? Policies.SignedIn).ToList();
        return policies.All(policy => policy switch
        {
            Policies.ApiAdmin => caller == Caller.AdminToken && route.IsApi,
            Policies.Admin => caller == Caller.Admin,
            Policies.Reviewer => caller is Caller.Admin or Caller.Reviewer,
            Policies.SignedIn => !tokenCaller && caller != Caller.SignedOut,
            _ => throw new InvalidOperationException($"{route.Key}: unknown policy {policy} — add it to the matrix"),
        });
    }

    private static bool IsDenied(HttpResponseMessage response) =>
        response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
        || (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location is { } location
            && (location.OriginalString.Contains("/account/login", StringComparison.Ordinal) || location.OriginalString.Contains("/account/denied", StringComparison.Ordinal))
            // The sign-in form post itself redirects to /account/login?error=… (failed credentials): not an authorization denial.
            && !location.OriginalString.Contains("error=", StringComparison.Ordinal));

    [Fact]
    public void KeyRoutes_AreAllInTheRouteTable_AndTheirMetadataAgreesWithTheExplicitTable()
    {
        var routes = RouteTable().ToDictionary(r => r.Key);
        var failures = new List<string>();
        foreach (var (key, allowed) in KeyRoutes)
        {
            if (!routes.TryGetValue(key, out var route))
            {
                failures.Add($"{key} is not in the route table");
                continue;
            }

            foreach (var caller in AllCallers)
            {
                var expected = allowed.Contains(caller);
                if (DerivedAllowed(route, caller) != expected)
                    failures.Add($"{key} as {caller}: metadata says {(expected ? "deny" : "allow")}, the explicit table says {(expected ? "allow" : "deny")}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task EveryRoute_ForEveryCaller_AnswersAsItsAuthorizationMetadataSays()
    {
        var routes = RouteTable();
        Assert.True(routes.Count > 20, "the route table looks empty");
        // Sign-out last (were it to succeed without a token it would end the session of the later rows).
        routes = [.. routes.OrderBy(r => r.Pattern == "/account/logout")];
        var failures = new List<string>();
        var cells = 0;
        foreach (var route in routes)
        {
            foreach (var caller in AllCallers)
            {
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), Concrete(route.Pattern));
                if (route.Method is "POST" or "PUT" or "PATCH")
                {
                    request.Content = route.IsApi
                        ? new StringContent("{}", Encoding.UTF8, "application/json")
                        : new FormUrlEncodedContent(new Dictionary<string, string> { ["x"] = "1" });
                }

                using var response = await fixture.Clients[caller].SendAsync(request);
                cells++;
                var expected = DerivedAllowed(route, caller);
                var denied = IsDenied(response);
                if (expected == denied)
                {
                    failures.Add($"{route.Key} as {caller}: expected {(expected ? "allow" : "deny")}, got {(int)response.StatusCode} {response.Headers.Location}");
                }
                else if (!denied && (int)response.StatusCode >= 500)
                {
                    failures.Add($"{route.Key} as {caller}: allowed but answered {(int)response.StatusCode}");
                }
                else if (KeyRoutes.TryGetValue(route.Key, out var explicitAllowed) && explicitAllowed.Contains(caller) == denied)
                {
                    failures.Add($"{route.Key} as {caller}: the explicit table says {(denied ? "allow" : "deny")}, got {(int)response.StatusCode}");
                }
            }
        }

        Assert.True(cells > 100, $"only {cells} cells");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cells} cells wrong:\n" + string.Join('\n', failures));
    }

    [Fact]
    public async Task CookieOnApi_IsRefused_EvenForAnAdministrator()
    {
        foreach (var caller in new[] { Caller.Admin, Caller.Reviewer, Caller.EndUser })
        {
            using var response = await fixture.Clients[caller].GetAsync("/api/transport/history");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task BearerToken_CannotSignInNorOpenPages()
    {
        var client = fixture.Clients[Caller.AdminToken];
        foreach (var page in new[] { "/", "/admin/connections", "/identities/accounts", "/openapi/v1.json" })
        {
            using var response = await client.GetAsync(page);
            Assert.True(IsDenied(response), $"{page} answered {(int)response.StatusCode} to a bearer token");
        }

        // A bearer token is no credential for the sign-in form: no auth cookie is issued.
        var page1 = await client.GetStringAsync("/account/login");
        var token = AntiforgeryField().Match(page1).Groups[1].Value;
        using var login = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["returnUrl"] = "/",
        }));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Contains("error=", login.Headers.Location!.OriginalString);
        Assert.False(login.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("AdminPortal.Auth=", StringComparison.Ordinal) && !c.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>CSRF: every state-changing form endpoint outside /api refuses a post without an antiforgery token.</summary>
    [Fact]
    public async Task EveryFormPostOutsideApi_WithoutAntiforgeryToken_IsRejected()
    {
        var posts = RouteTable().Where(r => r.Method is "POST" or "PUT" or "PATCH" or "DELETE" && !r.IsApi).ToList();
        Assert.Contains(posts, r => r.Pattern == "/account/login");
        Assert.Contains(posts, r => r.Pattern == "/account/logout");
        var failures = new List<string>();
        // A separate admin session so a successful forged sign-out cannot disturb the matrix's clients.
        var admin = await SignedInClient.CreateAsync(fixture.Factory, "admin", PortalFactory.AdminPassword);
        foreach (var route in posts.OrderBy(r => r.Pattern == "/account/logout"))
        {
            var client = route.Anonymous ? fixture.Factory.CreateNonRedirectingClient() : admin;
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), Concrete(route.Pattern))
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "admin", ["password"] = PortalFactory.AdminPassword }),
            };
            using var response = await client.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.BadRequest)
                failures.Add($"{route.Key} without antiforgery token: {(int)response.StatusCode} {response.Headers.Location}");
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        // The session survived the forged sign-out.
        using var home = await admin.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
    }

    [Fact]
    public async Task SignOut_WithAntiforgeryToken_EndsTheSession()
    {
        var client = await SignedInClient.CreateAsync(fixture.Factory, "admin", PortalFactory.AdminPassword);
        var home = await client.GetStringAsync("/");
        var token = AntiforgeryField().Match(home).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(token), "the shell renders no sign-out form with an antiforgery token");
        using var logout = await client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        using var after = await client.GetAsync("/");
        Assert.True(IsDenied(after));
    }

    internal static string Concrete(string pattern) =>
        RouteParameter().Replace(pattern, m => m.Value.StartsWith("{*", StringComparison.Ordinal) ? "x" : "1");

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
