using System.Net;
using System.Net.Http.Headers;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Simulators.Tests;

public sealed class SapBtpContractTests : IAsyncLifetime
{
    private RunningSimulator _sim = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _sim = await TestSupport.Start(SimulatedSystem.SapBtp, accounts: 25);
        _http = TestSupport.Client(_sim);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sim.DisposeAsync();
    }

    private async Task<string> Token()
    {
        var req = new HttpRequestMessage(HttpMethod.Post, "/oauth/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["response_type"] = "token" }),
        };
        req.Headers.Authorization = TestSupport.Basic(_sim.Credentials["client_id"], _sim.Credentials["client_secret"]);
        var resp = await _http.SendAsync(req);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        var j = await resp.ReadJson();
        Assert.Equal("bearer", (string?)j["token_type"]);
        return (string)j["access_token"]!;
    }

    private async Task<HttpResponseMessage> Send(HttpMethod m, string url, object? body = null, string? token = null, string? ifMatch = null)
    {
        var req = TestSupport.Req(m, url, body is null ? null : TestSupport.Json(body), "Bearer " + (token ?? await Token()));
        if (ifMatch is not null) req.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await _http.SendAsync(req);
    }

    [Fact]
    public async Task ListUsers_PagedWithStartIndexAndCount_ReturnsEveryUserOnceInStableOrder()
    {
        var token = await Token();
        var ids = new List<string>();
        for (var start = 1; ; start += 10)
        {
            var j = await (await Send(HttpMethod.Get, $"/Users?startIndex={start}&count=10", token: token)).ReadJson();
            Assert.Equal(25, (int)j["totalResults"]!);
            var page = (JArray)j["resources"]!;
            ids.AddRange(page.Select(u => (string)u["id"]!));
            if (start + (int)j["itemsPerPage"]! > 25) break;
        }
        Assert.Equal(25, ids.Distinct().Count());
        Assert.Equal(_sim.State.GetAccounts().Select(a => a.Id), ids);
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", id));
    }

    [Fact]
    public async Task UserLifecycle_CreatePatchDelete_ChangesStore()
    {
        var token = await Token();
        var create = await Send(HttpMethod.Post, "/Users", new
        {
            userName = "new.user@corp.example.com", name = new { familyName = "User", givenName = "New" },
            emails = new[] { new { value = "new.user@corp.example.com" } }, schemas = new[] { "urn:scim:schemas:core:1.0" },
        }, token);
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        var user = await create.ReadJson();
        var id = (string)user["id"]!;
        Assert.Equal("sap.default", (string?)user["origin"]);
        Assert.Equal(0, (int)user["meta"]!["version"]!);

        var dup = await Send(HttpMethod.Post, "/Users", new { userName = "new.user@corp.example.com" }, token);
        Assert.Equal(HttpStatusCode.Conflict, dup.StatusCode);
        var dupBody = await dup.ReadJson();
        Assert.Equal("scim_resource_already_exists", (string?)dupBody["error"]);
        Assert.Equal(id, (string?)dupBody["user_id"]);

        var noIfMatch = await Send(HttpMethod.Patch, $"/Users/{id}", new { active = false }, token);
        Assert.Equal(HttpStatusCode.BadRequest, noIfMatch.StatusCode);
        var patch = await Send(HttpMethod.Patch, $"/Users/{id}", new { active = false }, token, ifMatch: "0");
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.False((bool)(await patch.ReadJson())["active"]!);
        Assert.False(_sim.State.GetAccount(id)!.Active);
        var stale = await Send(HttpMethod.Put, $"/Users/{id}", new { userName = "new.user@corp.example.com", active = true }, token, ifMatch: "0");
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var put = await Send(HttpMethod.Put, $"/Users/{id}", new { userName = "renamed@corp.example.com", active = true }, token, ifMatch: "*");
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("renamed@corp.example.com", _sim.State.GetAccount(id)!.Name);

        var del = await Send(HttpMethod.Delete, $"/Users/{id}", token: token);
        Assert.Equal(HttpStatusCode.OK, del.StatusCode);
        Assert.Equal(id, (string?)(await del.ReadJson())["id"]);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, $"/Users/{id}", token: token)).StatusCode);
        Assert.Null(_sim.State.GetAccount(id));
    }

    [Fact]
    public async Task GroupMembers_AddAndRemove_AreVisibleOnUserAndGroup()
    {
        var token = await Token();
        var user = _sim.State.GetAccounts()[0];
        var group = _sim.State.GetEntitlements("Groups").First(g => !_sim.State.GetMembershipsOf(user.Id).Any(m => m.EntitlementId == g.Id));
        var path = "/Groups/" + Uri.EscapeDataString(group.Id) + "/members";
        var add = await Send(HttpMethod.Post, path, new { origin = "sap.default", type = "USER", value = user.Id }, token);
        Assert.Equal(HttpStatusCode.Created, add.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Send(HttpMethod.Post, path, new { origin = "sap.default", type = "USER", value = user.Id }, token)).StatusCode);
        var u = await (await Send(HttpMethod.Get, "/Users/" + user.Id, token: token)).ReadJson();
        Assert.Contains(((JArray)u["groups"]!), g => (string?)g["value"] == group.Id);
        var g1 = await (await Send(HttpMethod.Get, "/Groups/" + Uri.EscapeDataString(group.Id), token: token)).ReadJson();
        Assert.Contains(((JArray)g1["members"]!), m => (string?)m["value"] == user.Id);

        var remove = await Send(HttpMethod.Delete, path + "/" + user.Id, token: token);
        Assert.Equal(HttpStatusCode.OK, remove.StatusCode);
        Assert.DoesNotContain(_sim.State.GetMembershipsOf(user.Id), m => m.EntitlementId == group.Id);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Delete, path + "/" + user.Id, token: token)).StatusCode);
    }

    [Fact]
    public async Task ListGroups_MembersFollowEveryMembershipChange_AcrossPagesAndRepeatedListings()
    {
        var token = await Token();
        async Task<Dictionary<string, List<string>>> ListedMembers()
        {
            var listed = new Dictionary<string, List<string>>();
            for (var start = 1; ; start += 4)
            {
                var j = await (await Send(HttpMethod.Get, $"/Groups?startIndex={start}&count=4", token: token)).ReadJson();
                foreach (var g in (JArray)j["resources"]!)
                    listed[(string)g["id"]!] = ((JArray)g["members"]!).Select(m => (string)m["value"]!).ToList();
                if (start + (int)j["itemsPerPage"]! > (int)j["totalResults"]!) return listed;
            }
        }
        Dictionary<string, List<string>> Expected()
        {
            var order = _sim.State.GetAccounts().Select(a => a.Id).ToList();
            var members = _sim.State.GetEntitlements("Groups").ToDictionary(g => g.Id, _ => new List<string>());
            foreach (var m in _sim.State.GetMemberships("Groups")) members[m.EntitlementId].Add(m.AccountId);
            foreach (var list in members.Values) list.Sort((a, b) => order.IndexOf(a).CompareTo(order.IndexOf(b)));
            return members;
        }

        Assert.Equal(Expected(), await ListedMembers());
        var user = _sim.State.GetAccounts()[3];
        var group = _sim.State.GetEntitlements("Groups").First(g => !_sim.State.GetMembershipsOf(user.Id).Any(m => m.EntitlementId == g.Id));
        // a single group read in between keeps the index; the changes below must still show
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/Groups/" + Uri.EscapeDataString(group.Id), token: token)).StatusCode);
        var add = await Send(HttpMethod.Post, "/Groups/" + Uri.EscapeDataString(group.Id) + "/members", new { origin = "sap.default", type = "USER", value = user.Id }, token);
        Assert.Equal(HttpStatusCode.Created, add.StatusCode);
        Assert.Contains(user.Id, (await ListedMembers())[group.Id]);
        var removed = _sim.State.GetAccounts()[0];
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/Groups/" + Uri.EscapeDataString(group.Id), token: token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Delete, $"/Users/{removed.Id}", token: token)).StatusCode);
        var after = await ListedMembers();
        Assert.DoesNotContain(after.Values, members => members.Contains(removed.Id));
        Assert.Equal(Expected(), after);
    }

    [Fact]
    public async Task Auth_WrongSecretOrExpiredToken_Answers401WithUaaBody()
    {
        var req = new HttpRequestMessage(HttpMethod.Post, "/oauth/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }),
        };
        req.Headers.Authorization = TestSupport.Basic(_sim.Credentials["client_id"], "wrong");
        var bad = await _http.SendAsync(req);
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Equal("unauthorized", (string?)(await bad.ReadJson())["error"]);

        var token = await Token();
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/Users?count=1", token: token)).StatusCode);
        _sim.ExpireTokens();
        var expired = await Send(HttpMethod.Get, "/Users?count=1", token: token);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Equal("invalid_token", (string?)(await expired.ReadJson())["error"]);
        Assert.Contains("Bearer", expired.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/Users?count=1")).StatusCode);
    }

    [Fact]
    public async Task Token_ShortLifetime_ExpiresMidSequence()
    {
        _sim.TokenLifetime = TimeSpan.FromMilliseconds(300);
        var token = await Token();
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/Users?count=1", token: token)).StatusCode);
        await Task.Delay(500);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, "/Users?count=1", token: token)).StatusCode);
    }
}
