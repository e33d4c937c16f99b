using System.Net;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Simulators.Tests;

public sealed class ConfluentContractTests : IAsyncLifetime
{
    private RunningSimulator _sim = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _sim = await TestSupport.Start(SimulatedSystem.Confluent, accounts: 40);
        _http = TestSupport.Client(_sim);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sim.DisposeAsync();
    }

    private Task<HttpResponseMessage> Send(HttpMethod m, string url, object? body = null, string? auth = null) =>
        _http.SendAsync(TestSupport.Req(m, url, body is null ? null : TestSupport.Json(body), auth ?? _sim.Credentials["Authorization"]));

    [Fact]
    public async Task ListUsers_FollowingMetadataNext_ReturnsAllUsersInPagesOfTen()
    {
        var ids = new List<string>();
        string? url = "/iam/v2/users";
        var pages = 0;
        while (url is not null)
        {
            var resp = await Send(HttpMethod.Get, url);
            Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
            var j = await resp.ReadJson();
            Assert.Equal("UserList", (string?)j["kind"]);
            var data = (JArray)j["data"]!;
            Assert.True(data.Count <= 10);
            ids.AddRange(data.Select(u => (string)u["id"]!));
            url = (string?)j["metadata"]!["next"];
            if (url is not null) Assert.StartsWith(_sim.BaseUrl.ToString().TrimEnd('/'), url);
            pages++;
        }
        Assert.Equal(30, ids.Count);
        Assert.Equal(3, pages);
        Assert.All(ids, id => Assert.Matches("^u-[0-9a-z]{7}$", id));
        Assert.Equal(_sim.State.GetAccounts().Where(a => a.Attributes["kind"] == "User").Select(a => a.Id), ids);
    }

    [Fact]
    public async Task ServiceAccountLifecycle_CreateDuplicatePatchDelete_BehavesLikeIamV2()
    {
        var create = await Send(HttpMethod.Post, "/iam/v2/service-accounts", new { display_name = "svc-new", description = "first" });
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        var sa = await create.ReadJson();
        var id = (string)sa["id"]!;
        Assert.Matches("^sa-[0-9a-z]{7}$", id);
        Assert.Equal("ServiceAccount", (string?)sa["kind"]);

        var dup = await Send(HttpMethod.Post, "/iam/v2/service-accounts", new { display_name = "svc-new" });
        Assert.Equal(HttpStatusCode.Conflict, dup.StatusCode);
        Assert.Equal("409", (string?)(await dup.ReadJson())["errors"]![0]!["status"]);

        var patch = await Send(HttpMethod.Patch, $"/iam/v2/service-accounts/{id}", new { description = "second" });
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal("second", (string?)(await patch.ReadJson())["description"]);
        Assert.Equal("second", _sim.State.GetAccount(id)!.Attributes["description"]);

        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, $"/iam/v2/service-accounts/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, $"/iam/v2/service-accounts/{id}")).StatusCode);
        Assert.Null(_sim.State.GetAccount(id));
    }

    [Fact]
    public async Task UserPatchAndDelete_UpdateFullNameThenRemove_ReflectedInState()
    {
        var user = _sim.State.GetAccounts().First(a => a.Attributes["kind"] == "User");
        var patch = await Send(HttpMethod.Patch, $"/iam/v2/users/{user.Id}", new { full_name = "Renamed Person" });
        Assert.Equal("Renamed Person", (string?)(await patch.ReadJson())["full_name"]);
        Assert.Equal("Renamed Person", _sim.State.GetAccount(user.Id)!.Name);
        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, $"/iam/v2/users/{user.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Delete, $"/iam/v2/users/{user.Id}")).StatusCode);
    }

    [Fact]
    public async Task RoleBindings_CreateListDelete_AreMemberships()
    {
        var sa = _sim.State.GetAccounts().First(a => a.Attributes["kind"] == "ServiceAccount");
        var org = _sim.State.GetEntitlements("organization").Single();
        var env = _sim.State.GetEntitlements("environment").First(e => !_sim.State.GetMembershipsOf(sa.Id).Any(m => m.EntitlementId == e.Id));
        var crn = $"crn://confluent.cloud/organization={org.Id}/environment={env.Id}";

        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Get, "/iam/v2/role-bindings")).StatusCode);
        var create = await Send(HttpMethod.Post, "/iam/v2/role-bindings", new { principal = "User:" + sa.Id, role_name = "EnvironmentAdmin", crn_pattern = crn });
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        var rbId = (string)(await create.ReadJson())["id"]!;
        Assert.StartsWith("rb-", rbId);
        Assert.Equal(HttpStatusCode.Conflict, (await Send(HttpMethod.Post, "/iam/v2/role-bindings", new { principal = "User:" + sa.Id, role_name = "EnvironmentAdmin", crn_pattern = crn })).StatusCode);
        Assert.Contains(_sim.State.GetMembershipsOf(sa.Id), m => m.Type == "environment" && m.EntitlementId == env.Id && m.Role == "EnvironmentAdmin");

        var list = await (await Send(HttpMethod.Get, $"/iam/v2/role-bindings?crn_pattern={Uri.EscapeDataString(crn)}&principal=User:{sa.Id}")).ReadJson();
        Assert.Contains((JArray)list["data"]!, rb => (string?)rb["id"] == rbId);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, $"/iam/v2/role-bindings/{rbId}")).StatusCode);

        var del = await Send(HttpMethod.Delete, $"/iam/v2/role-bindings/{rbId}");
        Assert.Equal(HttpStatusCode.OK, del.StatusCode); // 200 with the deleted binding
        Assert.Equal(rbId, (string?)(await del.ReadJson())["id"]);
        Assert.DoesNotContain(_sim.State.GetMembershipsOf(sa.Id), m => m.EntitlementId == env.Id && m.Role == "EnvironmentAdmin");
    }

    [Fact]
    public async Task Environments_CreatePatchDelete_ChangeEntitlements()
    {
        var create = await Send(HttpMethod.Post, "/org/v2/environments", new { display_name = "new-env", stream_governance_config = new { package = "ADVANCED" } });
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        var id = (string)(await create.ReadJson())["id"]!;
        Assert.Matches("^env-[0-9a-z]{7}$", id);
        Assert.Contains(_sim.State.GetEntitlements("environment"), e => e.Id == id && e.Value == "new-env");
        await Send(HttpMethod.Patch, $"/org/v2/environments/{id}", new { display_name = "renamed-env" });
        Assert.Contains(_sim.State.GetEntitlements("environment"), e => e.Id == id && e.Value == "renamed-env");
        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, $"/org/v2/environments/{id}")).StatusCode);
        Assert.DoesNotContain(_sim.State.GetEntitlements("environment"), e => e.Id == id);
    }

    [Fact]
    public async Task Auth_WrongSecretAndRotatedKey_Answer401WithConfluentErrorShape()
    {
        var bad = await Send(HttpMethod.Get, "/iam/v2/users", auth: TestSupport.Basic(_sim.Credentials["api_key"], "nope").ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        var err = (await bad.ReadJson())["errors"]![0]!;
        Assert.Equal("401", (string?)err["status"]);
        Assert.Equal("user_unauthenticated", (string?)err["code"]);
        Assert.Contains("invalid_key", bad.Headers.WwwAuthenticate.ToString());

        var old = _sim.Credentials["Authorization"];
        _sim.ExpireTokens();
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, "/iam/v2/users", auth: old)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/iam/v2/users")).StatusCode);
    }

    [Fact]
    public async Task RateLimit_WhenEnabled_Answers429WithRetryAfterAndRateHeaders()
    {
        _sim.Options.RateLimits = true;
        _sim.Options.RateLimitRequests = 3;
        var first = await Send(HttpMethod.Get, "/org/v2/organizations");
        Assert.Equal("2", first.Headers.GetValues("X-RateLimit-Remaining").Single());
        await Send(HttpMethod.Get, "/org/v2/organizations");
        await Send(HttpMethod.Get, "/org/v2/organizations");
        var limited = await Send(HttpMethod.Get, "/org/v2/organizations");
        Assert.Equal((HttpStatusCode)429, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);
    }
}
