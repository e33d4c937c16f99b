using System.Net;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Simulators.Tests;

public sealed class SimulatorBehaviourTests
{
    public static IEnumerable<object[]> Systems() => Enum.GetValues<SimulatedSystem>().Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(Systems))]
    public async Task RateLimits_BudgetExhausted_Answers429WithSystemDefaults(SimulatedSystem system)
    {
        await using var sim = await TestSupport.Start(system, accounts: 10, o => { o.RateLimits = true; o.RateLimitRequests = 3; o.RetryAfterSeconds = 9; });
        using var http = TestSupport.Client(sim);
        var list = await Probes.List(sim, http); // token requests count too
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 4 && limited is null; i++)
        {
            var req = new HttpRequestMessage(HttpMethod.Get, list.RequestUri);
            foreach (var h in list.Headers) req.Headers.TryAddWithoutValidation(h.Key, h.Value);
            var resp = await http.SendAsync(req);
            if ((int)resp.StatusCode == 429) limited = resp; else statuses.Add(resp.StatusCode);
        }
        Assert.NotNull(limited);
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        if (system == SimulatedSystem.Bynder) Assert.Null(limited!.Headers.RetryAfter); // Bynder sends no Retry-After
        else Assert.Equal(TimeSpan.FromSeconds(9), limited!.Headers.RetryAfter?.Delta);
        if (system == SimulatedSystem.Confluent) Assert.Equal("0", limited.Headers.GetValues("X-RateLimit-Remaining").Single());
        if (system == SimulatedSystem.InContact) Assert.True(limited.Headers.Contains("icStatusDescription"));
        sim.Options.RateLimits = false;
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(await Probes.List(sim, http))).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Systems))]
    public async Task Credentials_SameSeed_AreStableAcrossRestarts(SimulatedSystem system)
    {
        Dictionary<string, string> first;
        await using (var a = await TestSupport.Start(system, accounts: 10)) first = a.Credentials.Values.Where(kv => !kv.Value.Contains("127.0.0.1")).ToDictionary(kv => kv.Key, kv => kv.Value);
        await using var b = await TestSupport.Start(system, accounts: 10);
        Assert.Equal(first, b.Credentials.Values.Where(kv => !kv.Value.Contains("127.0.0.1")).ToDictionary(kv => kv.Key, kv => kv.Value));
        Assert.NotEmpty(first);
    }

    [Fact]
    public async Task StrictMode_InContactPackageForms_Answer400()
    {
        await using var sim = await TestSupport.Start(SimulatedSystem.InContact, accounts: 10, o => o.Strict = true);
        using var http = TestSupport.Client(sim);
        var auth = await Probes.AuthValue(sim, http);
        var agent = sim.State.GetAccounts()[0];
        var team = sim.State.GetMembershipsOf(agent.Id).Single().EntitlementId;
        var req = TestSupport.Req(HttpMethod.Delete, $"/inContactAPI/services/v34.0/teams/{team}/agents", TestSupport.Json(new { agents = new[] { new { agentId = agent.Id } } }), auth);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(req)).StatusCode);
        var put = TestSupport.Req(HttpMethod.Put, $"/inContactAPI/services/v34.0/agents/{agent.Id}", TestSupport.Json(new { agents = new[] { new { isActive = false } } }), auth);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(put)).StatusCode);
        Assert.True(sim.State.GetAccount(agent.Id)!.Active);
    }

    [Fact]
    public async Task StrictMode_BynderJsonBody_Answers400()
    {
        await using var sim = await TestSupport.Start(SimulatedSystem.Bynder, accounts: 10, o => o.Strict = true);
        using var http = TestSupport.Client(sim);
        var req = TestSupport.Req(HttpMethod.Post, "/api/v4/users", TestSupport.Json(new { email = "a@b.c", firstName = "A", lastName = "B", profileId = "x" }), sim.Credentials["Authorization"]);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(req)).StatusCode);
    }

    [Fact]
    public async Task ConcurrentCreates_FiftyInParallel_AllStoredWithUniqueIds()
    {
        await using var sim = await TestSupport.Start(SimulatedSystem.Confluent, accounts: 10);
        using var http = TestSupport.Client(sim);
        var tasks = Enumerable.Range(0, 50).Select(async i =>
        {
            var resp = await http.SendAsync(TestSupport.Req(HttpMethod.Post, "/iam/v2/service-accounts", TestSupport.Json(new { display_name = $"parallel-{i}" }), sim.Credentials["Authorization"]));
            Assert.Equal(HttpStatusCode.Created, resp.StatusCode);
            return (string)(await resp.ReadJson())["id"]!;
        });
        var ids = await Task.WhenAll(tasks);
        Assert.Equal(50, ids.Distinct().Count());
        Assert.All(ids, id => Assert.NotNull(sim.State.GetAccount(id)));
        Assert.Equal(60, sim.State.AccountCount);
    }

    [Fact]
    public async Task Request_TrailingSlashAndLowercaseScheme_AreTolerated()
    {
        await using var sim = await TestSupport.Start(SimulatedSystem.Confluent, accounts: 10);
        using var http = TestSupport.Client(sim);
        var lower = sim.Credentials["Authorization"].Replace("Basic ", "basic ", StringComparison.Ordinal);
        var resp = await http.SendAsync(TestSupport.Req(HttpMethod.Get, "/org/v2/environments/", auth: lower));
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal("EnvironmentList", (string?)(await resp.ReadJson())["kind"]);
    }

    [Fact]
    public async Task PageToken_AccountDeletedBetweenPages_NextPageNotShifted()
    {
        await using var sim = await TestSupport.Start(SimulatedSystem.Confluent, accounts: 40);
        using var http = TestSupport.Client(sim);
        var first = await (await http.SendAsync(TestSupport.Req(HttpMethod.Get, "/iam/v2/users?page_size=10", auth: sim.Credentials["Authorization"]))).ReadJson();
        var firstIds = ((JArray)first["data"]!).Select(u => (string)u["id"]!).ToList();
        sim.State.RemoveAccount(firstIds[0]); // deleting an already-returned user must not shift the next page
        var next = (string)first["metadata"]!["next"]!;
        var second = await (await http.SendAsync(TestSupport.Req(HttpMethod.Get, next, auth: sim.Credentials["Authorization"]))).ReadJson();
        var users = sim.State.GetAccounts().Where(a => a.Attributes["kind"] == "User").Select(a => a.Id).ToList();
        Assert.Equal(users.Skip(9).Take(10), ((JArray)second["data"]!).Select(u => (string)u["id"]!));
    }
}
