using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AdminPortal.Core.Domain;
using AdminPortal.Simulators;
using AdminPortal.Web.Security;
using AdminPortal.Web.Tests.Imports;
using AdminPortal.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Web.Tests.Api;

/// <summary>The management API with a real administrator's bearer token, against a package set up on a simulator.</summary>
public class ManagementApiTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private readonly ImportHarness harness = new(factory);
    private static int counter;

    private static string Suffix() => "-api" + Interlocked.Increment(ref counter);

    private async Task<HttpClient> ApiClientAsync()
    {
        var token = await factory.Services.GetRequiredService<ApiTokenService>().CreateAsync("admin", "api tests", 1, "tests");
        var client = factory.CreateNonRedirectingClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        return client;
    }

    private static async Task<JObject> JsonAsync(HttpResponseMessage response) => JObject.Parse(await response.Content.ReadAsStringAsync());

    private static async Task<JObject> WaitForRunAsync(HttpClient client, long runId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var run = await JsonAsync(await client.GetAsync($"/api/imports/{runId}"));
            if ((string)run["status"]! is not ("Queued" or "Running")) return run;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"run {runId} still {run["status"]}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task PostImport_ThenGetRun_ReportsStatusAndCountersOfTheRealImport()
    {
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions { Seed = 31, Accounts = 30, EntitlementsPerType = 4 });
        var endpoint = await harness.SetUpAsync(sim, Suffix());
        var client = await ApiClientAsync();

        var posted = await client.PostAsJsonAsync("/api/imports", new { endpoint, mode = "full", preview = false });

        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        var runId = (long)(await JsonAsync(posted))["runId"]!;
        var run = await WaitForRunAsync(client, runId);
        Assert.Equal("Succeeded", (string)run["status"]!);
        Assert.Equal(endpoint, (string)run["endpoint"]!);
        Assert.Equal("api", (string)run["trigger"]!);
        Assert.Equal(30, (long)run["counters"]!["read"]!);
        Assert.Equal(30 + 4, (long)run["counters"]!["added"]!); // 30 accounts and the 4 groups
        Assert.Equal(0, (long)run["counters"]!["failed"]!);
        Assert.Empty((JArray)run["errors"]!);
        Assert.Equal(30, (int)run["plan"]!["AccountsToAdd"]!);

        var preview = await client.PostAsJsonAsync("/api/imports", new { endpoint, preview = true });
        var previewRun = await WaitForRunAsync(client, (long)(await JsonAsync(preview))["runId"]!);
        Assert.Equal("PreviewReady", (string)previewRun["status"]!);
        Assert.Equal(30, (long)previewRun["counters"]!["unchanged"]!);
    }

    [Fact]
    public async Task PostImport_UnknownEndpoint_AndUnknownRun_AnswerNotFound()
    {
        var client = await ApiClientAsync();

        var unknown = await client.PostAsJsonAsync("/api/imports", new { endpoint = "nope", mode = "full" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("No endpoint named 'nope'", await unknown.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/imports/987654")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/api/imports/987654/approve", null)).StatusCode);
    }

    [Fact]
    public async Task ThresholdStop_ApproveThroughApi_AppliesTheSuspensions()
    {
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions { Seed = 12, Accounts = 40, EntitlementsPerType = 4 });
        var endpoint = await harness.SetUpAsync(sim, Suffix());
        var client = await ApiClientAsync();
        var first = await WaitForRunAsync(client, (long)(await JsonAsync(await client.PostAsJsonAsync("/api/imports", new { endpoint })))["runId"]!);
        Assert.Equal("Succeeded", (string)first["status"]!);
        var removed = sim.State.GetAccounts().Take(20).ToList();
        foreach (var account in removed) sim.State.RemoveAccount(account.Id);

        var stopped = await WaitForRunAsync(client, (long)(await JsonAsync(await client.PostAsJsonAsync("/api/imports", new { endpoint })))["runId"]!);

        Assert.Equal("ThresholdReached", (string)stopped["status"]!);
        Assert.Contains("threshold reached", (string)stopped["errors"]![0]!);
        var stoppedId = (long)stopped["runId"]!;
        var approval = await client.PostAsync($"/api/imports/{stoppedId}/approve", null);
        Assert.Equal(HttpStatusCode.Accepted, approval.StatusCode);
        var approvalBody = await JsonAsync(approval);
        Assert.Equal(stoppedId, (long)approvalBody["approves"]!);
        var applied = await WaitForRunAsync(client, (long)approvalBody["runId"]!);
        Assert.Equal("Succeeded", (string)applied["status"]!);
        Assert.Equal(removed.Count(a => a.Active), (long)applied["counters"]!["suspended"]!);
        // Approving twice, or approving a run that was not stopped by the guard, is refused.
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/imports/{(long)applied["runId"]!}/approve", null)).StatusCode);
        var suspended = await JsonAsync(await client.GetAsync($"/api/endpoints/{endpoint}/accounts?status=SuspendedFromImport&pageSize=100"));
        Assert.Equal(removed.Count(a => a.Active), (int)suspended["total"]!);
    }

    [Fact]
    public async Task Accounts_PagingStatusAndTextFilter_WithEntitlementIds()
    {
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions { Seed = 33, Accounts = 25, EntitlementsPerType = 4, LinksPerAccount = 2 });
        var endpoint = await harness.SetUpAsync(sim, Suffix());
        Assert.Equal(JobRunStatus.Succeeded, (await harness.RunAsync(endpoint)).Status);
        var client = await ApiClientAsync();

        var page1 = await JsonAsync(await client.GetAsync($"/api/endpoints/{endpoint}/accounts?page=1&pageSize=10"));
        var page3 = await JsonAsync(await client.GetAsync($"/api/endpoints/{endpoint}/accounts?page=3&pageSize=10"));

        Assert.Equal(25, (int)page1["total"]!);
        Assert.Equal(10, ((JArray)page1["items"]!).Count);
        Assert.Equal(5, ((JArray)page3["items"]!).Count);
        var all = new List<string>();
        for (var p = 1; p <= 3; p++)
            all.AddRange(((JArray)(await JsonAsync(await client.GetAsync($"/api/endpoints/{endpoint}/accounts?page={p}&pageSize=10")))["items"]!).Select(i => (string)i["accountId"]!));
        Assert.Equal(sim.State.GetAccounts().Select(a => a.Id).Order(), all.Order());
        // after= (ADR-018): the same pages in the same order, by cursor; the last page has no next.
        var byCursor = new List<string>();
        var cursorPages = 0;
        for (var next = (string?)page1["next"]; ; cursorPages++)
        {
            if (cursorPages == 0) byCursor.AddRange(((JArray)page1["items"]!).Select(i => (string)i["accountId"]!));
            if (next is null) break;
            var body = await JsonAsync(await client.GetAsync($"/api/endpoints/{endpoint}/accounts?after={next}&pageSize=10"));
            Assert.Equal(25, (int)body["total"]!);
            byCursor.AddRange(((JArray)body["items"]!).Select(i => (string)i["accountId"]!));
            next = (string?)body["next"];
        }

        Assert.Equal(all, byCursor);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/api/endpoints/{endpoint}/accounts?after=nonsense!&pageSize=10")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/api/endpoints/{endpoint}/accounts?after={(string)page1["next"]!}&q=a")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/endpoints/no-such{Suffix()}/accounts")).StatusCode);
        var memberships = sim.State.GetMemberships("Groups");
        foreach (var item in page1["items"]!)
        {
            var id = (string)item["accountId"]!;
            Assert.Equal(memberships.Where(m => m.AccountId == id).Select(m => m.EntitlementId).Order(), item["entitlementIds"]!.Select(e => (string)e!).Order());
        }

        var active = await JsonAsync(await client.GetAsync($"/api/endpoints/{endpoint}/accounts?status=active&pageSize=100"));
        Assert.Equal(sim.State.GetAccounts().Count(a => a.Active), (int)active["total"]!);
        var target = sim.State.GetAccounts()[3];
        var byName = await JsonAsync(await client.GetAsync($"/api/endpoints/{endpoint}/accounts?q={Uri.EscapeDataString(target.Name.ToUpperInvariant())}"));
        Assert.Contains(byName["items"]!, i => (string)i["accountId"]! == target.Id);
        Assert.All(byName["items"]!, i => Assert.Contains(target.Name, (string)i["name"]!, StringComparison.OrdinalIgnoreCase));

        var bad = await client.GetAsync($"/api/endpoints/{endpoint}/accounts?status=sleeping");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/endpoints/nope/accounts")).StatusCode);

        var groups = await JsonAsync(await client.GetAsync($"/api/endpoints/{endpoint}/entitlements?type=Groups&pageSize=2"));
        Assert.Equal(4, (int)groups["total"]!);
        Assert.Equal(2, ((JArray)groups["items"]!).Count);
        foreach (var g in groups["items"]!)
            Assert.Equal(memberships.Count(m => m.EntitlementId == (string)g["id"]!), (int)g["members"]!);
    }

    [Fact]
    public async Task PutEndpoint_InvalidValues_AnswersFieldErrors_ThenValidPutCreatesAndUpdates()
    {
        var client = await ApiClientAsync();
        var system = "api-system" + Suffix();
        Assert.Equal(HttpStatusCode.Created, (await client.PutAsJsonAsync($"/api/security-systems/{system}", new { displayName = "API system" })).StatusCode);
        var systemJson = await JsonAsync(await client.GetAsync($"/api/security-systems/{system}"));
        Assert.Equal("API system", (string)systemJson["displayName"]!);
        var badSystem = await client.PutAsJsonAsync($"/api/security-systems/{system}", new { importConnection = "no-such-connection" });
        Assert.Equal(HttpStatusCode.BadRequest, badSystem.StatusCode);
        Assert.Contains("No connection named 'no-such-connection'", (string)(await JsonAsync(badSystem))["errors"]!["ImportConnection"]!);

        var bad = await client.PutAsJsonAsync("/api/endpoints/api-endpoint", new
        {
            securitySystem = "no-such-system", correlationRule = "this is not a rule", owner = "nobody-here", accountNameRule = "${user.username",
            entitlementTypes = new[] { new { name = "Groups", order = 1 }, new { name = "groups", order = 2 } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (JObject)(await JsonAsync(bad))["errors"]!;
        Assert.Contains("No security system named 'no-such-system'", (string)errors["SecuritySystem"]!);
        Assert.NotNull(errors["CorrelationRule"]);
        Assert.Contains("No user named 'nobody-here'", (string)errors["Owner"]!);
        Assert.Contains("unbalanced", (string)errors["AccountNameRule"]!);
        Assert.Contains("listed twice", (string)errors["EntitlementTypes"]!);
        var badMode = await client.PutAsJsonAsync("/api/endpoints/api-endpoint", new { securitySystem = system, approverMode = "Anyone" });
        Assert.Contains("ApproverMode", await badMode.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/endpoints/api-endpoint")).StatusCode);

        var created = await client.PutAsJsonAsync("/api/endpoints/api-endpoint", new
        {
            securitySystem = system, correlationRule = "name=username", approverMode = "None",
            entitlementTypes = new[] { new { name = "Groups", order = 1, labels = new Dictionary<string, string> { ["customproperty1"] = "Owner team" } } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var updated = await client.PutAsJsonAsync("/api/endpoints/api-endpoint", new { securitySystem = system, displayName = "Renamed", approverMode = "None", entitlementTypes = new[] { new { name = "Groups", order = 1 } } });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var endpoint = await JsonAsync(await client.GetAsync("/api/endpoints/api-endpoint"));
        Assert.Equal("Renamed", (string)endpoint["displayName"]!);
        Assert.Equal(system, (string)endpoint["securitySystem"]!);
        Assert.Equal("None", (string)endpoint["approverMode"]!);
        Assert.Equal("Groups", (string)endpoint["entitlementTypes"]![0]!["name"]!);
    }

    [Fact]
    public async Task Api_WithoutTokenOrWithCookie_IsRefused_AndOpenApiDocumentListsTheRoutesForAdmins()
    {
        var anonymous = factory.CreateNonRedirectingClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/endpoints/x")).StatusCode);
        var cookie = await SignedInClient.CreateAsync(factory, "admin", PortalFactory.AdminPassword);
        Assert.NotEqual(HttpStatusCode.OK, (await cookie.PostAsJsonAsync("/api/imports", new { endpoint = "x" })).StatusCode);

        var document = await cookie.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        var paths = (JObject)(await JsonAsync(document))["paths"]!;
        foreach (var path in new[] { "/api/imports", "/api/imports/{runId}", "/api/imports/{runId}/approve", "/api/endpoints/{name}", "/api/security-systems/{name}", "/api/endpoints/{name}/accounts", "/api/endpoints/{name}/entitlements" })
            Assert.True(paths.ContainsKey(path), $"{path} missing from the OpenAPI document: {string.Join(", ", paths.Properties().Select(p => p.Name))}");
        Assert.NotEqual(HttpStatusCode.OK, (await anonymous.GetAsync("/openapi/v1.json")).StatusCode);
    }
}
