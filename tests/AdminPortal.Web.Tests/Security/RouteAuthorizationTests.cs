using System.Net;
using System.Text.RegularExpressions;
using AdminPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.Web.Tests.Security;

/// <summary>Every route of the app's own route table, so new pages and endpoints are covered automatically.</summary>
public partial class RouteAuthorizationTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    /// <summary>The only routes reachable signed out.</summary>
    private static readonly HashSet<string> AnonymousRoutes = ["GET /account/login", "POST /account/login", "GET /health", "GET /Error", "POST /Error"];

    public static IEnumerable<(string Method, string Pattern, bool Anonymous, object? Authorize)> Routes(PortalFactory factory)
    {
        var source = factory.Services.GetRequiredService<EndpointDataSource>();
        foreach (var endpoint in source.Endpoints.OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            foreach (var method in methods)
            {
                yield return (method, "/" + endpoint.RoutePattern.RawText!.TrimStart('/'), anonymous, endpoint.Metadata.GetMetadata<IAuthorizeData>());
            }
        }
    }

    [Fact]
    public void RouteTable_OnlySignInAndHealthAreAnonymous()
    {
        _ = factory.CreateClient();
        var anonymous = Routes(factory).Where(r => r.Anonymous).Select(r => $"{r.Method} {r.Pattern}").ToHashSet();
        Assert.Subset(AnonymousRoutes, anonymous);
    }

    [Fact]
    public async Task EveryRoute_SignedOut_AnswersRedirectToLoginOr401()
    {
        var client = factory.CreateNonRedirectingClient();
        var routes = Routes(factory).Where(r => !AnonymousRoutes.Contains($"{r.Method} {r.Pattern}")).ToList();
        Assert.True(routes.Count > 5, "the route table looks empty");
        var failures = new List<string>();
        foreach (var (method, pattern, _, _) in routes)
        {
            var url = Concrete(pattern);
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            if (method is "POST" or "PUT" or "PATCH") request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            using var response = await client.SendAsync(request);
            var isApi = url.StartsWith("/api", StringComparison.Ordinal);
            var ok = isApi
                ? response.StatusCode == HttpStatusCode.Unauthorized
                : response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.OriginalString.Contains("/account/login", StringComparison.Ordinal);
            if (!ok) failures.Add($"{method} {url} → {(int)response.StatusCode} {response.Headers.Location}");
        }

        Assert.True(failures.Count == 0, "Reachable signed out:\n" + string.Join('\n', failures));
    }

    [Fact]
    public async Task AdminPages_AsReviewer_AreForbidden()
    {
        await using var db = factory.CreateDbContext();
        await Users.UserSeeding.AddUserAsync(factory, "rita", "Reviewer-Passw0rd", AdminPortal.Core.Domain.SavRoles.Reviewer);
        var client = await SignedInClient.CreateAsync(factory, "rita", "Reviewer-Passw0rd");

        var adminPages = Routes(factory)
            .Where(r => r.Method == "GET" && r.Authorize is IAuthorizeData { Policy: AdminPortal.Web.Security.Policies.Admin })
            .Select(r => Concrete(r.Pattern)).Distinct().ToList();
        Assert.NotEmpty(adminPages);
        foreach (var page in adminPages)
        {
            var response = await client.GetAsync(page);
            Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.OriginalString.Contains("/account/denied", StringComparison.Ordinal),
                $"{page} answered {(int)response.StatusCode} {response.Headers.Location} for a reviewer");
        }

        var repository = await client.GetAsync("/identities/users");
        Assert.Equal(HttpStatusCode.OK, repository.StatusCode);
    }

    private static string Concrete(string pattern) =>
        RouteParameter().Replace(pattern, m => m.Value.StartsWith("{*", StringComparison.Ordinal) ? "x" : "1");

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();
}
