using System.Net;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Simulators.Tests;

public sealed class BynderContractTests : IAsyncLifetime
{
    private RunningSimulator _sim = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _sim = await TestSupport.Start(SimulatedSystem.Bynder, accounts: 30);
        _http = TestSupport.Client(_sim);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sim.DisposeAsync();
    }

    private Task<HttpResponseMessage> Send(HttpMethod m, string url, HttpContent? content = null, string? auth = null) =>
        _http.SendAsync(TestSupport.Req(m, url, content, auth ?? _sim.Credentials["Authorization"]));

    private static FormUrlEncodedContent Form(params (string, string)[] kv) => new(kv.Select(x => new KeyValuePair<string, string>(x.Item1, x.Item2)));

    [Fact]
    public async Task ListUsers_PageAndLimitWithIncludeInactive_ReturnsAllWithPaginationHeaders()
    {
        var ids = new List<string>();
        for (var page = 1; ; page++)
        {
            var resp = await Send(HttpMethod.Get, $"/api/v4/users/?includeInActive=1&limit=8&page={page}");
            Assert.Equal("30", resp.Headers.GetValues("X-Pagination-TotalRecords").Single());
            Assert.Equal("4", resp.Headers.GetValues("X-Pagination-TotalPages").Single());
            var arr = (JArray)await resp.ReadJson();
            if (arr.Count == 0) break;
            ids.AddRange(arr.Select(u => (string)u["id"]!));
        }
        Assert.Equal(_sim.State.GetAccounts().Select(a => a.Id), ids);
        Assert.All(ids, id => Assert.Matches("^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{16}$", id));

        var activeOnly = (JArray)await (await Send(HttpMethod.Get, "/api/v4/users")).ReadJson();
        Assert.Equal(_sim.State.GetAccounts().Count(a => a.Active), activeOnly.Count);
        Assert.All(activeOnly, u => Assert.Equal(1, (int)u["active"]!));
    }

    [Fact]
    public async Task UserLifecycle_FormCreateModifyDisableDelete_UsesDocumentedStatuses()
    {
        var profile = (string)((JArray)await (await Send(HttpMethod.Get, "/api/v4/profiles/")).ReadJson())[1]["id"]!;
        var group = _sim.State.GetEntitlements("Group")[2];
        var create = await Send(HttpMethod.Post, "/api/v4/users/", Form(("email", "jo@brand.example.com"), ("password", "S3cret!"), ("profileId", profile), ("firstname", "Jo"), ("lastname", "Doe")));
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        var id = (string)(await create.ReadJson())["id"]!;
        Assert.Equal("jo@brand.example.com", _sim.State.GetAccount(id)!.Name);

        var dup = await Send(HttpMethod.Post, "/api/v4/users/", Form(("email", "jo@brand.example.com"), ("password", "x"), ("profileId", profile), ("firstname", "J"), ("lastname", "D")));
        Assert.Equal(HttpStatusCode.Conflict, dup.StatusCode);

        var modify = await Send(HttpMethod.Post, $"/api/v4/users/{id}/", Form(("lastname", "Smith"), ("groupIds", group.Id), ("active", "0")));
        Assert.Equal(HttpStatusCode.Accepted, modify.StatusCode);
        var acct = _sim.State.GetAccount(id)!;
        Assert.False(acct.Active);
        Assert.Equal("Jo Smith", acct.Attributes["name"]);
        Assert.Equal(group.Id, _sim.State.GetMembershipsOf(id).Single().EntitlementId);
        var single = await (await Send(HttpMethod.Get, $"/api/v4/users/{id}")).ReadJson();
        Assert.False((bool)single["active"]!); // boolean on single GET, int in lists

        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, $"/api/v4/users/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, $"/api/v4/users/{id}")).StatusCode);
    }

    [Fact]
    public async Task GroupsList_DefaultLimitAndSearchTerm_ReturnsTwentyThenFiltered()
    {
        for (var i = 0; i < 20; i++) _sim.State.AddEntitlement("Group", $"Extra {i:D2}");
        var first = await Send(HttpMethod.Get, "/api/groups/list");
        Assert.Equal(20, ((JArray)await first.ReadJson()).Count);
        Assert.Equal("26", first.Headers.GetValues("X-Pagination-TotalRecords").Single());
        var found = (JArray)await (await Send(HttpMethod.Get, "/api/groups/list/?search_term=Extra%2001")).ReadJson();
        Assert.Single(found);
    }

    [Fact]
    public async Task Auth_InvalidAndRotatedPermanentToken_Answer401()
    {
        var bad = await Send(HttpMethod.Get, "/api/v4/users", auth: "Bearer nope");
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Equal("Invalid or expired token.", (string?)(await bad.ReadJson())["message"]);
        var old = _sim.Credentials["Authorization"];
        _sim.ExpireTokens();
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, "/api/v4/users", auth: old)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/api/v4/users")).StatusCode);

        var oauth = await _http.PostAsync("/v6/authentication/oauth2/token", Form(("grant_type", "client_credentials"), ("client_id", _sim.Credentials["client_id"]), ("client_secret", _sim.Credentials["client_secret"])));
        var token = (string)(await oauth.ReadJson())["access_token"]!;
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/api/v4/users", auth: "Bearer " + token)).StatusCode);
    }

    [Fact]
    public async Task RateLimit_IdleBlock_NoRetryAfterAndBlockPersists()
    {
        _sim.Options.RateLimits = true;
        _sim.Options.RateLimitRequests = 2;
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/api/groups/list")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/api/groups/list")).StatusCode);
        var blocked = await Send(HttpMethod.Get, "/api/groups/list");
        Assert.Equal((HttpStatusCode)429, blocked.StatusCode);
        Assert.Null(blocked.Headers.RetryAfter);
        Assert.Equal((HttpStatusCode)429, (await Send(HttpMethod.Get, "/api/groups/list")).StatusCode);
    }
}
