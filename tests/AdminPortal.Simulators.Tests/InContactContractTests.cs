using System.Net;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Simulators.Tests;

public sealed class InContactContractTests : IAsyncLifetime
{
    private RunningSimulator _sim = null!;
    private HttpClient _http = null!;
    private const string Api = "/inContactAPI/services/v34.0";

    public async Task InitializeAsync()
    {
        _sim = await TestSupport.Start(SimulatedSystem.InContact, accounts: 35);
        _http = TestSupport.Client(_sim);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sim.DisposeAsync();
    }

    private async Task<JToken> CxoneToken(string? refresh = null)
    {
        var form = refresh is null
            ? new Dictionary<string, string> { ["grant_type"] = "password", ["username"] = _sim.Credentials["access_key_id"], ["password"] = _sim.Credentials["access_key_secret"] }
            : new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh };
        var req = new HttpRequestMessage(HttpMethod.Post, "/auth/token") { Content = new FormUrlEncodedContent(form) };
        req.Headers.Authorization = TestSupport.Basic(_sim.Credentials["client_id"], _sim.Credentials["client_secret"]);
        var resp = await _http.SendAsync(req);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        return await resp.ReadJson();
    }

    private async Task<HttpResponseMessage> Send(HttpMethod m, string url, object? body = null, string? token = null) =>
        await _http.SendAsync(TestSupport.Req(m, url, body is null ? null : TestSupport.Json(body), "Bearer " + (token ?? (string)(await CxoneToken())["access_token"]!)));

    [Fact]
    public async Task ListAgents_SkipTopFollowingLinksNext_ReturnsAllAgentsThen204WhenEmpty()
    {
        var token = (string)(await CxoneToken())["access_token"]!;
        var ids = new List<string>();
        string? url = Api + "/agents?top=10";
        while (url is not null)
        {
            var j = await (await Send(HttpMethod.Get, url, token: token)).ReadJson();
            Assert.Equal(35, (int)j["totalRecords"]!);
            ids.AddRange(((JArray)j["agents"]!).Select(a => a["agentId"]!.ToString()));
            url = (string?)j["_links"]!["next"];
        }
        Assert.Equal(_sim.State.GetAccounts().Select(a => a.Id), ids);
        var empty = await Send(HttpMethod.Get, Api + "/agents?skip=35&top=10", token: token);
        Assert.Equal(HttpStatusCode.NoContent, empty.StatusCode);
        Assert.Equal("", await empty.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AgentLifecycle_CreateUpdateDisableEnable_UsesBatchResultsAndChangesState()
    {
        var token = (string)(await CxoneToken())["access_token"]!;
        var create = await Send(HttpMethod.Post, Api + "/agents", new
        {
            agents = new[] { new { firstName = "Ann", lastName = "Agent", emailAddress = "ann@contact.example.com", userName = "ann@contact.example.com", teamId = 100001, profileId = 2, city = "Oslo", country = "NO", timeZone = "(GMT+01:00) Oslo" } },
        }, token);
        Assert.Equal(HttpStatusCode.OK, create.StatusCode);
        var result = (await create.ReadJson())["agentResults"]![0]!;
        Assert.True((bool)result["success"]!);
        var id = result["agentId"]!.ToString();
        Assert.Equal(JTokenType.Integer, result["agentId"]!.Type);

        var dup = await (await Send(HttpMethod.Post, Api + "/agents", new { agents = new[] { new { firstName = "A", lastName = "B", emailAddress = "x@y.z", userName = "ann@contact.example.com" } } }, token)).ReadJson();
        Assert.Equal(1, (int)dup["errorCount"]!);
        Assert.False((bool)dup["agentResults"]![0]!["success"]!);

        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Put, $"{Api}/agents/{id}", new { agent = new { lastName = "Renamed" } }, token)).StatusCode);
        Assert.Equal("Renamed", _sim.State.GetAccount(id)!.Attributes["lastName"]);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Put, $"{Api}/agents/{id}", new { agent = new { isActive = false } }, token)).StatusCode);
        Assert.False(_sim.State.GetAccount(id)!.Active);
        var got = await (await Send(HttpMethod.Get, $"{Api}/agents/{id}", token: token)).ReadJson();
        Assert.False((bool)got["agents"]![0]!["isActive"]!);
        Assert.Equal(100001, (int)got["agents"]![0]!["teamId"]!);
        var batch = await Send(HttpMethod.Put, Api + "/agents", new { agents = new[] { new { agentId = id, isActive = true } } }, token);
        Assert.Equal("0", (await batch.ReadJson())["errorCount"]!.ToString());
        Assert.True(_sim.State.GetAccount(id)!.Active);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, $"{Api}/agents/999", token: token)).StatusCode);
    }

    [Fact]
    public async Task TeamMembership_AddMovesAgentAndRemoveTransfers_KeepsExactlyOneTeam()
    {
        var token = (string)(await CxoneToken())["access_token"]!;
        var agent = _sim.State.GetAccounts()[3];
        var teams = _sim.State.GetEntitlements("Teams");
        var current = _sim.State.GetMembershipsOf(agent.Id).Single().EntitlementId;
        var target = teams.First(t => t.Id != current && t.Id != teams[0].Id);

        var add = await Send(HttpMethod.Post, $"{Api}/teams/{target.Id}/agents", new { agents = new[] { new { agentId = int.Parse(agent.Id) } } }, token);
        Assert.Equal(HttpStatusCode.OK, add.StatusCode);
        Assert.True((bool)(await add.ReadJson())["resultSet"]!["agentResults"]![0]!["success"]!);
        Assert.Equal(target.Id, _sim.State.GetMembershipsOf(agent.Id).Single().EntitlementId);

        var team = await (await Send(HttpMethod.Get, $"{Api}/teams/{target.Id}", token: token)).ReadJson();
        Assert.Contains((JArray)team["teams"]![0]!["agents"]!, a => a["agentId"]!.ToString() == agent.Id);

        var other = teams.First(t => t.Id != target.Id);
        var remove = new HttpRequestMessage(HttpMethod.Delete, $"{Api}/teams/{target.Id}/agents?transferTeamId={other.Id}") { Content = TestSupport.Json(new { agents = new[] { new { agentId = agent.Id } } }) };
        remove.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(remove)).StatusCode);
        Assert.Equal(other.Id, _sim.State.GetMembershipsOf(agent.Id).Single().EntitlementId);
    }

    [Fact]
    public async Task Teams_ListAndCreate_WorkWithPagingAndBatchResults()
    {
        var token = (string)(await CxoneToken())["access_token"]!;
        var create = await (await Send(HttpMethod.Post, Api + "/teams", new { teams = new[] { new { teamName = "Night Shift", isActive = true, description = "late" } } }, token)).ReadJson();
        Assert.True((bool)create["results"]![0]!["success"]!);
        var list = await (await Send(HttpMethod.Get, Api + "/teams?top=100", token: token)).ReadJson();
        Assert.Equal(7, ((JArray)list["teams"]!).Count);
        Assert.Contains(_sim.State.GetEntitlements("Teams"), t => t.Value == "Night Shift");
    }

    [Fact]
    public async Task Auth_ExpiredTokenThenRefreshGrant_Answers401ThenWorks()
    {
        var tok = await CxoneToken();
        var access = (string)tok["access_token"]!;
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, Api + "/teams", token: access)).StatusCode);
        _sim.ExpireTokens();
        var expired = await Send(HttpMethod.Get, Api + "/teams", token: access);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.True(expired.Headers.Contains("icStatusDescription"));
        var refreshed = await CxoneToken((string)tok["refresh_token"]!);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, Api + "/teams", token: (string)refreshed["access_token"]!)).StatusCode);

        var bad = new HttpRequestMessage(HttpMethod.Post, "/auth/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "password", ["username"] = "x", ["password"] = "y" }),
        };
        bad.Headers.Authorization = TestSupport.Basic(_sim.Credentials["client_id"], _sim.Credentials["client_secret"]);
        var badResp = await _http.SendAsync(bad);
        Assert.Equal(HttpStatusCode.BadRequest, badResp.StatusCode);
        Assert.Equal("invalid_grant", (string?)(await badResp.ReadJson())["error"]);
    }

    [Fact]
    public async Task LegacyToken_BasicAppHeaderAndPassword_IssuesTokenWithResourceServerUri()
    {
        var req = new HttpRequestMessage(HttpMethod.Post, "/InContactAuthorizationServer/Token")
        {
            Content = TestSupport.Json(new { grant_type = "password", username = _sim.Credentials["legacy_username"], password = _sim.Credentials["legacy_password"], scope = "" }),
        };
        req.Headers.TryAddWithoutValidation("Authorization", _sim.Credentials["legacy_authorization"]);
        var j = await (await _http.SendAsync(req)).ReadJson();
        Assert.EndsWith("/inContactAPI/", (string?)j["resource_server_base_uri"]);
        var resp = await Send(HttpMethod.Get, "/incontactapi/services/v12.0/agents?top=1", token: (string)j["access_token"]!);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
    }
}
