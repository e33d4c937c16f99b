using System.Net;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Simulators.Tests;

/// <summary>Replays the calls of the real Saviynt packages in shared/packages/saviynt against the simulators.</summary>
public sealed class PackageReplayTests
{
    private static string Root(RunningSimulator sim) => sim.BaseUrl.ToString().TrimEnd('/');

    /// <summary>Every column the package maps whose source is in the neutral Attributes must match the API record.</summary>
    private static void AssertAttributes(RunningSimulator sim, IEnumerable<JToken> records, JObject cols)
    {
        var checkedFields = 0;
        foreach (var r in records)
        {
            var id = PackageReplay.Col(r, cols, "accountID")!;
            var acct = sim.State.GetAccount(id);
            Assert.NotNull(acct);
            foreach (var p in cols.Properties())
            {
                var src = ((string)p.Value!).Split("~#~")[0];
                if (!acct!.Attributes.TryGetValue(src, out var expected)) continue;
                var token = src == "emails.value" ? r["emails"]?[0]?["value"] : r.SelectToken(src);
                var actual = token is null || token.Type == JTokenType.Null ? null : token.Type == JTokenType.Boolean ? ((bool)token ? "true" : "false") : token.ToString();
                Assert.True(expected == actual, $"{id} {src}: state '{expected}' vs API '{actual}'");
                checkedFields++;
            }
        }
        Assert.True(checkedFields > 0, "no attribute compared");
    }

    private static void AssertEntitlementTypes(PackageReplay p, RunningSimulator sim)
    {
        var types = ((JObject)p.Json("ImportAccountEntJSON")["entitlementParams"]!["entTypes"]!).Properties().Select(x => x.Name).ToList();
        Assert.Equal(types, sim.State.EntitlementTypes);
    }

    private static async Task AssertEntitlementImport(PackageReplay p, RunningSimulator sim, int? limit = null)
    {
        foreach (var type in sim.State.EntitlementTypes)
        {
            var call = (JObject)p.Json("ImportAccountEntJSON")["entitlementParams"]!["entTypes"]![type]!["call"]!["call1"]!;
            var cols = (JObject)call["colsToPropsMap"]!;
            var records = await p.Import(call);
            var imported = records.Select(r => (PackageReplay.Col(r, cols, "entitlementID"), PackageReplay.Col(r, cols, "entitlement_value"))).ToList();
            var expected = sim.State.GetEntitlements(type).Select(e => ((string?)e.Id, (string?)e.Value));
            if (limit is { } l) expected = expected.Take(l);
            Assert.Equal(expected.OrderBy(x => x.Item1, StringComparer.Ordinal), imported.OrderBy(x => x.Item1, StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task SapBtp_PackageImportAndProvisioning_Succeed()
    {
        await using var sim = await TestSupport.Start(SimulatedSystem.SapBtp, accounts: 450);
        using var http = TestSupport.Client(sim);
        var p = new PackageReplay(sim, http, "SAP_Business_Technology_Platform.zip", u => u.Replace("https://@HOST_URL@", Root(sim)));
        p.Vars["access_token"] = (await Probes.AuthValue(sim, http))!;
        AssertEntitlementTypes(p, sim);

        var import = p.Json("ImportAccountEntJSON");
        var call = (JObject)import["accountParams"]!["call"]!["call1"]!;
        var cols = (JObject)call["colsToPropsMap"]!;
        var records = await p.Import(call);
        Assert.Equal(2, sim.Requests.Count(r => r.Path == "/Users")); // 400 + 50: two pages of count=400
        Assert.Equal(sim.State.GetAccounts().Select(a => (a.Id, a.Name, a.Active ? "true" : "false")),
            records.Select(r => (PackageReplay.Col(r, cols, "accountID")!, PackageReplay.Col(r, cols, "name")!, PackageReplay.Col(r, cols, "customproperty11")!)));
        AssertAttributes(sim, records, cols);
        var links = records.SelectMany(r => ((JArray)r["groups"]!).Select(g => ((string)r["id"]!, (string)g["value"]!))).OrderBy(x => x).ToList();
        Assert.Equal(sim.State.GetMemberships("Groups").Select(m => (m.AccountId, m.EntitlementId)).OrderBy(x => x), links);
        await AssertEntitlementImport(p, sim);

        p.Vars["user.customproperty22"] = "pkg.user@corp.example.com";
        p.Vars["user.firstname"] = "Pkg";
        p.Vars["user.lastname"] = "User";
        var create = await p.Provision((JObject)p.Json("CreateAccountJSON")["call"]![0]!);
        Assert.True(create.PackageSuccess, create.Status.ToString());
        var id = PackageReplay.Value(create.Body, (string)p.Json("CreateAccountJSON")["accountIdPath"]!);
        Assert.Equal("pkg.user@corp.example.com", sim.State.GetAccount(id)!.Name);

        var group = sim.State.GetEntitlements("Groups").First(g => g.Id.Contains(' '));
        p.Vars["account.accountID"] = id;
        p.Vars["entitlementValue.entitlementID.replace(' ', '%20')"] = group.Id.Replace(" ", "%20");
        Assert.True((await p.Provision((JObject)p.Json("AddAccessJSON")["call"]![0]!)).PackageSuccess);
        Assert.Contains(sim.State.GetMembershipsOf(id), m => m.EntitlementId == group.Id);
        Assert.True((await p.Provision((JObject)p.Json("RemoveAccessJSON")["call"]![0]!)).PackageSuccess);
        Assert.Empty(sim.State.GetMembershipsOf(id));
        Assert.True((await p.Provision((JObject)p.Json("RemoveAccountJSON")["call"]![0]!)).PackageSuccess);
        Assert.Null(sim.State.GetAccount(id));
    }

    [Fact]
    public async Task Confluent_PackageImportWithoutPaging_GetsFirstTenOfEachAndProvisioningSucceeds()
    {
        await using var sim = await TestSupport.Start(SimulatedSystem.Confluent, accounts: 60);
        using var http = TestSupport.Client(sim);
        var p = new PackageReplay(sim, http, "Confluent.zip", u => u.Replace("https://api.confluent.cloud", Root(sim)));
        p.Vars["access_token"] = sim.Credentials["Authorization"];
        AssertEntitlementTypes(p, sim);

        var calls = (JObject)p.Json("ImportAccountEntJSON")["accountParams"]!["call"]!;
        var users = await p.Import((JObject)calls["call1"]!);
        var sas = await p.Import((JObject)calls["call2"]!);
        var state = sim.State.GetAccounts();
        // The package sends no page_size and ignores metadata.next: like the real API, only the first 10 come back.
        Assert.Equal(state.Where(a => a.Attributes["kind"] == "User").Take(10).Select(a => a.Id), users.Select(u => PackageReplay.Col(u, (JObject)calls["call1"]!["colsToPropsMap"]!, "accountID")));
        Assert.Equal(state.Where(a => a.Attributes["kind"] == "ServiceAccount").Take(10).Select(a => a.Id), sas.Select(u => (string)u["id"]!));
        Assert.All(users, u => Assert.Equal("User", (string?)u["kind"]));
        AssertAttributes(sim, users, (JObject)calls["call1"]!["colsToPropsMap"]!);
        AssertAttributes(sim, sas, (JObject)calls["call2"]!["colsToPropsMap"]!);
        await AssertEntitlementImport(p, sim);

        p.Vars["user.username"] = "svc-from-package";
        p.Vars["user.customproperty4"] = "created by the package";
        var create = await p.Provision((JObject)p.Json("CreateAccountJSON")["call"]![0]!);
        Assert.True(create.PackageSuccess);
        var id = PackageReplay.Value(create.Body, (string)p.Json("CreateAccountJSON")["accountIdPath"]!);
        Assert.Equal("svc-from-package", sim.State.GetAccount(id)!.Name);
        p.Vars["account.accountID"] = id;
        p.Vars["user.customproperty4"] = "updated by the package";
        Assert.True((await p.Provision((JObject)p.Json("UpdateAccountJSON")["call"]![0]!)).PackageSuccess);
        Assert.Equal("updated by the package", sim.State.GetAccount(id)!.Attributes["description"]);
        Assert.True((await p.Provision((JObject)p.Json("RemoveAccountJSON")["call"]![0]!)).PackageSuccess);
        Assert.Null(sim.State.GetAccount(id));
    }

    [Fact]
    public async Task InContact_PackageImportFollowsLinksNextAndProvisioningSucceeds()
    {
        // DefaultPageSize = 20 stands in for the real default top of 10,000, so the package's _links.next paging is exercised.
        await using var sim = await TestSupport.Start(SimulatedSystem.InContact, accounts: 50, o => { o.InContactTopLevelAgents = true; o.DefaultPageSize = 20; });
        using var http = TestSupport.Client(sim);
        var apiBase = sim.ApiBaseUrl.ToString().TrimEnd('/');
        var p = new PackageReplay(sim, http, "INCONTACT.zip", u => u.StartsWith("http", StringComparison.Ordinal) ? u : apiBase + u);
        p.Vars["access_token"] = (await Probes.AuthValue(sim, http))!;
        AssertEntitlementTypes(p, sim);

        var import = p.Json("ImportAccountEntJSON");
        var call = (JObject)import["accountParams"]!["call"]!["call1"]!;
        var cols = (JObject)call["colsToPropsMap"]!;
        var records = await p.Import(call);
        Assert.Equal(3, sim.Requests.Count(r => r.Path.EndsWith("/agents", StringComparison.Ordinal))); // 20 + 20 + 10 via _links.next
        var state = sim.State.GetAccounts();
        Assert.Equal(state.Select(a => (a.Id, a.Name, a.Active ? "true" : "false")),
            records.Select(r => (PackageReplay.Col(r, cols, "accountID")!, PackageReplay.Col(r, cols, "name")!, PackageReplay.Col(r, cols, "customproperty11")!)));
        AssertAttributes(sim, records, cols);
        await AssertEntitlementImport(p, sim);

        var memberCall = (JObject)import["acctEntParams"]!["entTypes"]!["Teams"]!["call"]!["call1"]!;
        var links = new List<(string, string)>();
        foreach (var team in sim.State.GetEntitlements("Teams"))
        {
            p.Vars["id"] = team.Id;
            links.AddRange((await p.Import(memberCall)).Select(a => (a[(string)memberCall["acctIdPath"]!]!.ToString(), team.Id)));
        }
        Assert.Equal(sim.State.GetMemberships("Teams").Select(m => (m.AccountId, m.EntitlementId)).OrderBy(x => x), links.OrderBy(x => x));

        foreach (var (k, v) in new Dictionary<string, string>
                 {
                     ["user.firstname"] = "Pat", ["user.middlename"] = "Q", ["user.lastname"] = "Package", ["user.email"] = "pat@contact.example.com",
                     ["user.username"] = "pat@contact.example.com", ["user.customproperty20"] = "", ["user.country"] = "US", ["user.state"] = "AZ", ["user.city"] = "Phoenix",
                 })
            p.Vars[k] = v;
        var create = await p.Provision((JObject)p.Json("CreateAccountJSON")["call"]![0]!);
        Assert.True(create.PackageSuccess, create.Body?.ToString());
        var id = PackageReplay.Value(create.Body, (string)p.Json("CreateAccountJSON")["accountIdPath"]!);
        Assert.Equal("pat@contact.example.com", sim.State.GetAccount(id)!.Name);
        p.Vars["account.accountID"] = id;
        p.Vars["user.lastname"] = "Renamed";
        Assert.True((await p.Provision((JObject)p.Json("UpdateAccountJSON")["call"]![0]!)).PackageSuccess);
        Assert.Equal("Renamed", sim.State.GetAccount(id)!.Attributes["lastName"]);
        Assert.True((await p.Provision((JObject)p.Json("DisableAccountJSON")["call"]![0]!)).PackageSuccess);
        Assert.False(sim.State.GetAccount(id)!.Active);
        Assert.True((await p.Provision((JObject)p.Json("EnableAccountJSON")["call"]![0]!)).PackageSuccess);
        Assert.True(sim.State.GetAccount(id)!.Active);

        var team2 = sim.State.GetEntitlements("Teams")[2];
        p.Vars["entitlementValue.entitlementID"] = team2.Id;
        Assert.True((await p.Provision((JObject)p.Json("AddAccessJSON")["call"]![0]!)).PackageSuccess);
        Assert.Equal(team2.Id, sim.State.GetMembershipsOf(id).Single().EntitlementId);
        var remove = await p.Provision((JObject)p.Json("RemoveAccessJSON")["call"]![0]!); // DELETE with body, no transferTeamId
        Assert.True(remove.PackageSuccess, remove.Body?.ToString());
        Assert.Equal(sim.State.GetEntitlements("Teams")[0].Id, sim.State.GetMembershipsOf(id).Single().EntitlementId); // moved to the default team
    }

    [Fact]
    public async Task SignalSciences_PackageImportAndProvisioning_Succeed()
    {
        await using var sim = await TestSupport.Start(SimulatedSystem.SignalSciences, accounts: 40);
        using var http = TestSupport.Client(sim);
        var corp = sim.Credentials["corp"];
        var p = new PackageReplay(sim, http, "Signal_Sciences.zip", u => u.Replace("https://dashboard.signalsciences.net", Root(sim)).Replace("@CORPNAME@", corp));
        p.Vars["access_token"] = (await Probes.AuthValue(sim, http))!;
        AssertEntitlementTypes(p, sim);

        var import = p.Json("ImportAccountEntJSON");
        var call = (JObject)import["accountParams"]!["call"]!["call1"]!;
        var cols = (JObject)call["colsToPropsMap"]!;
        var records = await p.Import(call);
        Assert.Equal(sim.State.GetAccounts().Select(a => (a.Id, a.Name, a.Active)),
            records.Select(r => (PackageReplay.Col(r, cols, "accountID")!, PackageReplay.Col(r, cols, "name")!, PackageReplay.Col(r, cols, "customproperty5") == "active")));
        AssertAttributes(sim, records, cols);
        await AssertEntitlementImport(p, sim);
        var sites = await p.Import((JObject)import["entitlementParams"]!["entTypes"]!["Site"]!["call"]!["call1"]!);
        Assert.All(sites, s => Assert.StartsWith("/api/v0/corps/", PackageReplay.Col(s, (JObject)import["entitlementParams"]!["entTypes"]!["Site"]!["call"]!["call1"]!["colsToPropsMap"]!, "customproperty16")));

        var memberCall = (JObject)import["acctEntParams"]!["entTypes"]!["Site"]!["call"]!["call1"]!;
        var links = new List<(string, string)>();
        foreach (var site in sim.State.GetEntitlements("Site"))
        {
            p.Vars["id"] = site.Id;
            links.AddRange((await p.Import(memberCall)).Select(m => (m.SelectToken((string)memberCall["acctIdPath"]!)!.ToString(), site.Id)));
        }
        Assert.Equal(sim.State.GetMemberships("Site").Select(m => (m.AccountId, m.EntitlementId)).OrderBy(x => x), links.OrderBy(x => x));

        p.Vars["user.email"] = "pkg.invitee@corp.example.com";
        p.Vars["user.customproperty4"] = "user";
        var create = await p.Provision((JObject)p.Json("CreateAccountJSON")["call"]![0]!);
        Assert.True(create.PackageSuccess, create.Body?.ToString());
        var id = PackageReplay.Value(create.Body, (string)p.Json("CreateAccountJSON")["accountIdPath"]!);
        Assert.Equal("pkg.invitee@corp.example.com", id);
        Assert.Contains(sim.State.GetMembershipsOf(id), m => m.EntitlementId == "staging");
        p.Vars["account.accountID"] = id;
        p.Vars["user.customproperty4"] = "corpObserver";
        Assert.True((await p.Provision((JObject)p.Json("UpdateAccountJSON")["call"]![0]!)).PackageSuccess);
        Assert.Equal("observer", sim.State.GetAccount(id)!.Attributes["role"]);
        p.Vars["entitlementValue.entitlementID"] = "www";
        Assert.True((await p.Provision((JObject)p.Json("AddAccessJSON")["call"]![0]!)).PackageSuccess); // URL has a leading space in the package
        Assert.Contains(sim.State.GetMembershipsOf(id), m => m.EntitlementId == "www");
        Assert.True((await p.Provision((JObject)p.Json("RemoveAccessJSON")["call"]![0]!)).PackageSuccess);
        Assert.DoesNotContain(sim.State.GetMembershipsOf(id), m => m.EntitlementId == "www");
        Assert.True((await p.Provision((JObject)p.Json("RemoveAccountJSON")["call"]![0]!)).PackageSuccess);
        Assert.Null(sim.State.GetAccount(id));
    }

    [Theory]
    [InlineData(202)]
    [InlineData(200)]
    public async Task Bynder_PackageImportAndProvisioning_Succeed(int modifyStatus)
    {
        await using var sim = await TestSupport.Start(SimulatedSystem.Bynder, accounts: 40, o => o.BynderModifyStatus = modifyStatus);
        using var http = TestSupport.Client(sim);
        var p = new PackageReplay(sim, http, "Bynder.zip", u => u.StartsWith("http", StringComparison.Ordinal) ? u : Root(sim) + u);
        p.Vars["access_token"] = sim.Credentials["Authorization"];
        AssertEntitlementTypes(p, sim);

        var import = p.Json("ImportAccountEntJSON");
        var call = (JObject)import["accountParams"]!["call"]!["call1"]!;
        var cols = (JObject)call["colsToPropsMap"]!;
        var records = await p.Import(call);
        // No includeInActive in the package: inactive users are not listed (documented default).
        var active = sim.State.GetAccounts().Where(a => a.Active).ToList();
        Assert.Equal(active.Select(a => (a.Id, a.Name, "1")),
            records.Select(r => (PackageReplay.Col(r, cols, "accountID")!, PackageReplay.Col(r, cols, "name")!, PackageReplay.Col(r, cols, "customproperty3")!)));
        AssertAttributes(sim, records, cols);
        var links = records.SelectMany(r => ((JArray)r["groups"]!).Select(g => ((string)r["id"]!, (string)g["id"]!))).OrderBy(x => x).ToList();
        Assert.Equal(sim.State.GetMemberships("Group").Where(m => active.Any(a => a.Id == m.AccountId)).Select(m => (m.AccountId, m.EntitlementId)).OrderBy(x => x), links);
        await AssertEntitlementImport(p, sim, limit: 20);

        var profiles = (JArray)await (await http.SendAsync(TestSupport.Req(HttpMethod.Get, "/api/v4/profiles", auth: sim.Credentials["Authorization"]))).ReadJson();
        foreach (var (k, v) in new Dictionary<string, string>
                 {
                     ["user.username"] = "pkg.user", ["user.email"] = "pkg.user@brand.example.com", ["password"] = "Secr3t!", ["user.firstname"] = "Pkg",
                     ["user.lastname"] = "User", ["user.customproperty4"] = (string)profiles[2]["id"]!,
                 })
            p.Vars[k] = v;
        var create = await p.Provision((JObject)p.Json("CreateAccountJSON")["call"]![0]!);
        Assert.True(create.PackageSuccess, create.Body?.ToString());
        var id = PackageReplay.Value(create.Body, (string)p.Json("CreateAccountJSON")["accountIdPath"]!);
        Assert.Equal("pkg.user", sim.State.GetAccount(id)!.Name);
        p.Vars["account.accountID"] = id;
        p.Vars["user.lastname"] = "Changed";

        var update = await p.Provision((JObject)p.Json("UpdateAccountJSON")["call"]![0]!);
        Assert.Equal((HttpStatusCode)modifyStatus, update.Status);
        Assert.Equal(modifyStatus != 202, update.PackageSuccess); // the package only accepts 200/201; the API documents 202
        Assert.Equal("Pkg Changed", sim.State.GetAccount(id)!.Attributes["name"]);
        var disable = await p.Provision((JObject)p.Json("DisableAccountJSON")["call"]![0]!); // POST to the collection with {id, active:"0"}
        Assert.Equal((HttpStatusCode)modifyStatus, disable.Status);
        Assert.False(sim.State.GetAccount(id)!.Active);
        await p.Provision((JObject)p.Json("EnableAccountJSON")["call"]![0]!);
        Assert.True(sim.State.GetAccount(id)!.Active);
        Assert.True((await p.Provision((JObject)p.Json("RemoveAccountJSON")["call"]![0]!)).PackageSuccess);
        Assert.Null(sim.State.GetAccount(id));
    }
}
