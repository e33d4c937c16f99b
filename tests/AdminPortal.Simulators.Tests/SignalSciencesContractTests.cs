using System.Net;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Simulators.Tests;

public sealed class SignalSciencesContractTests : IAsyncLifetime
{
    private RunningSimulator _sim = null!;
    private HttpClient _http = null!;
    private string Corp => "/api/v0/corps/" + _sim.Credentials["corp"];

    public async Task InitializeAsync()
    {
        _sim = await TestSupport.Start(SimulatedSystem.SignalSciences, accounts: 20);
        _http = TestSupport.Client(_sim);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sim.DisposeAsync();
    }

    private Task<HttpResponseMessage> Send(HttpMethod m, string url, object? body = null)
    {
        var req = TestSupport.Req(m, url, body is null ? null : TestSupport.Json(body));
        req.Headers.TryAddWithoutValidation("X-API-User", _sim.Credentials["x-api-user"]);
        req.Headers.TryAddWithoutValidation("X-API-Token", _sim.Credentials["x-api-token"]);
        return _http.SendAsync(req);
    }

    [Fact]
    public async Task ListUsers_Unpaginated_ReturnsAllUsersWithEmailKeysAndMemberships()
    {
        var j = await (await Send(HttpMethod.Get, Corp + "/users")).ReadJson();
        var data = (JArray)j["data"]!;
        Assert.Equal(20, data.Count);
        Assert.Equal(_sim.State.GetAccounts().Select(a => a.Id), data.Select(u => (string)u["email"]!));
        Assert.Equal("owner", (string?)data[0]["role"]);
        var withSites = data.First(u => ((JArray)u["memberships"]!["data"]!).Count > 0);
        var email = (string)withSites["email"]!;
        Assert.Equal(_sim.State.GetMembershipsOf(email).Count, ((JArray)withSites["memberships"]!["data"]!).Count);
    }

    [Fact]
    public async Task InviteUpdateDelete_UserLifecycle_ChangesCorp()
    {
        var invite = await Send(HttpMethod.Post, Corp + "/users/new.person@corp.example.com/invite",
            new { role = "user", memberships = new { data = new[] { new { site = new { name = "www" }, role = "admin" } } } });
        Assert.Equal(HttpStatusCode.OK, invite.StatusCode);
        var user = await invite.ReadJson();
        Assert.Equal("new.person@corp.example.com", (string?)user["email"]);
        Assert.Equal("invited", (string?)user["status"]);
        Assert.False(_sim.State.GetAccount("new.person@corp.example.com")!.Active);
        Assert.Contains(_sim.State.GetMembershipsOf("new.person@corp.example.com"), m => m.EntitlementId == "www" && m.Role == "admin");

        Assert.Equal(HttpStatusCode.Conflict, (await Send(HttpMethod.Post, Corp + "/users/new.person@corp.example.com/invite", new { role = "user" })).StatusCode);
        var patch = await Send(HttpMethod.Patch, Corp + "/users/new.person@corp.example.com", new { role = "corpAdmin" });
        Assert.Equal("admin", (string?)(await patch.ReadJson())["role"]);
        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, Corp + "/users/new.person@corp.example.com")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, Corp + "/users/new.person@corp.example.com")).StatusCode);
    }

    [Fact]
    public async Task SiteMembers_AddListRemove_ChangesMemberships()
    {
        var acct = _sim.State.GetAccounts()[5];
        var site = _sim.State.GetEntitlements("Site").First(s => !_sim.State.GetMembershipsOf(acct.Id).Any(m => m.EntitlementId == s.Id));
        var add = await Send(HttpMethod.Post, $"{Corp}/sites/{site.Id}/members", new { members = new[] { acct.Id } });
        Assert.Equal(HttpStatusCode.OK, add.StatusCode);
        Assert.Equal("user", (string?)(await add.ReadJson())["data"]![0]!["role"]);
        Assert.Equal(HttpStatusCode.Conflict, (await Send(HttpMethod.Post, $"{Corp}/sites/{site.Id}/members", new { members = new[] { acct.Id } })).StatusCode);
        var members = await (await Send(HttpMethod.Get, $"{Corp}/sites/{site.Id}/members")).ReadJson();
        Assert.Contains((JArray)members["data"]!, m => (string?)m["user"]!["email"] == acct.Id);
        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, $"{Corp}/sites/{site.Id}/members/{acct.Id}")).StatusCode);
        Assert.DoesNotContain(_sim.State.GetMembershipsOf(acct.Id), m => m.EntitlementId == site.Id);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Delete, $"{Corp}/sites/{site.Id}/members/{acct.Id}")).StatusCode);
    }

    [Fact]
    public async Task Sites_ListWithAndWithoutLimit_StagingExistsAndPagingHonoured()
    {
        var all = await (await Send(HttpMethod.Get, Corp + "/sites")).ReadJson();
        Assert.Equal(6, ((JArray)all["data"]!).Count);
        Assert.Equal("staging", (string?)all["data"]![0]!["name"]);
        Assert.EndsWith("/members", (string?)all["data"]![0]!["members"]!["uri"]);
        var page2 = await (await Send(HttpMethod.Get, Corp + "/sites?page=2&limit=4")).ReadJson();
        Assert.Equal(2, ((JArray)page2["data"]!).Count);
        Assert.Equal(6, (int)page2["totalCount"]!);
    }

    [Fact]
    public async Task Auth_LoginBearerAndBadToken_BehaveLikeDashboardApi()
    {
        var bad = TestSupport.Req(HttpMethod.Get, Corp + "/users");
        bad.Headers.TryAddWithoutValidation("x-api-user", _sim.Credentials["x-api-user"]);
        bad.Headers.TryAddWithoutValidation("x-api-token", "wrong");
        var badResp = await _http.SendAsync(bad);
        Assert.Equal(HttpStatusCode.Unauthorized, badResp.StatusCode);
        Assert.NotNull((string?)(await badResp.ReadJson())["message"]);

        var login = await _http.PostAsync("/api/v0/auth", new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = _sim.Credentials["email"], ["password"] = _sim.Credentials["password"] }));
        var token = (string)(await login.ReadJson())["token"]!;
        Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(TestSupport.Req(HttpMethod.Get, Corp + "/sites", auth: "Bearer " + token))).StatusCode);
        _sim.ExpireTokens();
        Assert.Equal(HttpStatusCode.Unauthorized, (await _http.SendAsync(TestSupport.Req(HttpMethod.Get, Corp + "/sites", auth: "Bearer " + token))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, Corp + "/sites")).StatusCode); // Send reads the rotated credentials
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, "/api/v0/corps/othercorp/users")).StatusCode);
    }
}
