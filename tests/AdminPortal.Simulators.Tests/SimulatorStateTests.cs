using System.Net;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Simulators.Tests;

public sealed class SimulatorStateTests
{
    public static IEnumerable<object[]> Systems() => Enum.GetValues<SimulatedSystem>().Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(Systems))]
    public async Task Seed_SameSeedAndSize_GivesIdenticalStore(SimulatedSystem system)
    {
        await using var a = await TestSupport.Start(system, accounts: 40);
        await using var b = await TestSupport.Start(system, accounts: 40);
        await using var c = await TestSupport.Start(system, accounts: 40, o => o.Seed = 43);
        Assert.Equal(a.State.GetAccounts().Select(x => (x.Id, x.Name, x.Active)), b.State.GetAccounts().Select(x => (x.Id, x.Name, x.Active)));
        foreach (var t in a.State.EntitlementTypes)
        {
            Assert.Equal(a.State.GetEntitlements(t).Select(e => (e.Id, e.Value)), b.State.GetEntitlements(t).Select(e => (e.Id, e.Value)));
            Assert.Equal(a.State.GetMemberships(t), b.State.GetMemberships(t));
        }
        Assert.NotEqual(a.State.GetAccounts().Select(x => x.Id + x.Name), c.State.GetAccounts().Select(x => x.Id + x.Name));
        Assert.Equal(40, a.State.AccountCount);
        Assert.Equal(a.State.GetAccounts().Count, a.State.GetAccounts().Select(x => x.Id).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Systems))]
    public async Task Mutations_AddRenameMoveRemoveReset_AreVisibleThroughTheApi(SimulatedSystem system)
    {
        await using var sim = await TestSupport.Start(system, accounts: 12);
        using var http = TestSupport.Client(sim);
        var type = sim.State.EntitlementTypes[^1];
        var added = sim.State.AddAccount("mutant.person@example.com");
        Assert.NotNull(sim.State.GetAccount(added.Id));
        Assert.True(sim.State.RenameAccount(added.Id, "renamed.person@example.com"));
        Assert.Equal("renamed.person@example.com", sim.State.GetAccount(added.Id)!.Name);

        var ent = sim.State.AddEntitlement(type, "Mutant Ent");
        Assert.Contains(sim.State.GetEntitlements(type), e => e.Id == ent.Id);
        var other = sim.State.GetEntitlements(type).First(e => e.Id != ent.Id && !sim.State.GetMembershipsOf(added.Id).Any(m => m.EntitlementId == e.Id));
        Assert.True(sim.State.AddMembership(type, added.Id, ent.Id));
        Assert.True(sim.State.MoveMembership(type, added.Id, ent.Id, other.Id));
        Assert.Contains(sim.State.GetMembershipsOf(added.Id), m => m.EntitlementId == other.Id);
        Assert.DoesNotContain(sim.State.GetMembershipsOf(added.Id), m => m.EntitlementId == ent.Id);
        Assert.True(sim.State.RenameEntitlement(type, ent.Id, "Mutant Renamed"));
        var renamedId = sim.State.GetEntitlements(type).Single(e => e.Value == "Mutant Renamed").Id;

        // The API listing reflects the store.
        var listed = await ListIds(sim, http);
        Assert.Contains(added.Id, listed);

        Assert.True(sim.State.RemoveEntitlement(type, renamedId));
        Assert.DoesNotContain(sim.State.GetEntitlements(type), e => e.Id == renamedId);
        Assert.True(sim.State.RemoveAccount(added.Id));
        Assert.DoesNotContain(added.Id, await ListIds(sim, http));
        sim.State.Reset();
        Assert.Equal(12, sim.State.AccountCount);
        Assert.Null(sim.State.GetAccount(added.Id));
    }

    private static async Task<List<string>> ListIds(RunningSimulator sim, HttpClient http)
    {
        var req = await Probes.List(sim, http);
        if (sim.System == SimulatedSystem.Bynder) req.RequestUri = new Uri("/api/v4/users?includeInActive=1", UriKind.Relative);
        if (sim.System == SimulatedSystem.Confluent) req.RequestUri = new Uri("/iam/v2/service-accounts?page_size=100", UriKind.Relative);
        if (sim.System == SimulatedSystem.SapBtp) req.RequestUri = new Uri("/Users?count=500", UriKind.Relative);
        var j = await (await http.SendAsync(req)).ReadJson();
        var list = j is JArray arr ? arr : (JArray)(j["data"] ?? j["resources"] ?? j["agents"])!;
        return list.Select(x => (x["id"] ?? x["agentId"] ?? x["email"])!.ToString()).ToList();
    }

    [Fact]
    public async Task AdminApi_StateMutateFaultsRequestsReset_DriveTheSimulatorOverHttp()
    {
        await using var sim = await TestSupport.Start(SimulatedSystem.SignalSciences, accounts: 10);
        using var http = TestSupport.Client(sim);

        var state = await (await http.GetAsync("/__admin/state")).ReadJson();
        Assert.Equal("SignalSciences", (string?)state["system"]);
        Assert.Equal(10, ((JArray)state["accounts"]!).Count);
        Assert.Equal("Site", (string?)state["entitlementTypes"]![0]);
        Assert.NotEmpty((JArray)state["memberships"]!);

        var add = await (await http.PostAsync("/__admin/mutate", TestSupport.Json(new { op = "addAccount", name = "admin.added@corp.example.com" }))).ReadJson();
        Assert.True((bool)add["ok"]!);
        Assert.NotNull(sim.State.GetAccount("admin.added@corp.example.com"));
        var bad = await http.PostAsync("/__admin/mutate", TestSupport.Json(new { op = "explode" }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        var fault = await http.PostAsync("/__admin/faults", TestSupport.Json(new { kind = "InternalError500", pathPattern = "*/users", once = true }));
        Assert.Equal(HttpStatusCode.Created, fault.StatusCode);
        var probe = await http.SendAsync(await Probes.List(sim, http));
        Assert.Equal(HttpStatusCode.InternalServerError, probe.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(await Probes.List(sim, http))).StatusCode);

        var requests = (JArray)await (await http.GetAsync("/__admin/requests?limit=10")).ReadJson();
        Assert.Contains(requests, r => (int)r["status"]! == 500 && ((string)r["pathAndQuery"]!).EndsWith("/users", StringComparison.Ordinal));
        Assert.DoesNotContain(requests, r => ((string)r["pathAndQuery"]!).StartsWith("/__admin", StringComparison.Ordinal));

        var creds = await (await http.GetAsync("/__admin/credentials")).ReadJson();
        Assert.Equal(sim.Credentials["x-api-token"], (string?)creds["x-api-token"]);

        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/__admin/reset", null)).StatusCode);
        Assert.Null(sim.State.GetAccount("admin.added@corp.example.com"));
        Assert.Empty(sim.Faults.Rules);
    }

    [Fact]
    public async Task Requests_RecordMethodPathHeadersBodyAndStatus_CappedToMaximum()
    {
        await using var sim = await TestSupport.Start(SimulatedSystem.Confluent, accounts: 10, o => o.MaxRecordedRequests = 5);
        using var http = TestSupport.Client(sim);
        var post = TestSupport.Req(HttpMethod.Post, "/iam/v2/service-accounts", TestSupport.Json(new { display_name = "recorded" }), sim.Credentials["Authorization"]);
        await http.SendAsync(post);
        var r = sim.Requests.Single();
        Assert.Equal("POST", r.Method);
        Assert.Equal("/iam/v2/service-accounts", r.PathAndQuery);
        Assert.Equal(201, r.Status);
        Assert.Contains("\"display_name\":\"recorded\"", r.Body);
        Assert.Equal(sim.Credentials["Authorization"], r.Header("authorization"));
        for (var i = 0; i < 8; i++) await http.SendAsync(TestSupport.Req(HttpMethod.Get, $"/iam/v2/users?page_size={i + 1}", auth: sim.Credentials["Authorization"]));
        Assert.Equal(5, sim.Requests.Count);
        Assert.Equal("/iam/v2/users?page_size=8", sim.Requests[^1].PathAndQuery);
    }

    [Fact]
    public async Task StartAsync_FixedPort_ListensThere()
    {
        var port = 40000 + Random.Shared.Next(20000);
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.Bynder, new SimulatorOptions { Accounts = 10 }, port);
        Assert.Equal(port, sim.BaseUrl.Port);
        using var http = sim.CreateAuthenticatedClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/v4/users")).StatusCode);
    }
}
