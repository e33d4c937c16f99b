using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Connectors.Import;
using Microsoft.AspNetCore.Http;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Tests.Connectors.Import;

/// <summary>The real ImportAccountEntJSON of the five packages, run unchanged against fixture servers.</summary>
public class RealPackageImportTests
{
    private static string AllRecorded(InMemoryExchangeRecorder r) => JsonConvert.SerializeObject(r.Exchanges);

    [Fact]
    public async Task InContact_nextUrl_paging_httpEntToAcct_and_token_expiry_mid_paging_with_refresh_token_rotation()
    {
        var validTokens = new Dictionary<string, int>(); // token -> remaining uses
        string currentRt = "rt-0";
        int issued = 0;
        var agents = Enumerable.Range(1, 5).Select(i => new JObject
        {
            ["agentId"] = 1000 + i, ["userName"] = $"agent{i}@corp", ["firstName"] = "F" + i, ["middleName"] = null, ["lastName"] = "L" + i,
            ["emailAddress"] = $"a{i}@corp", ["isActive"] = i != 3, ["lastLogin"] = "2026-01-0" + i + "T10:00:00Z",
        }).ToList();
        await using var srv = await FixtureServer.StartAsync(async (ctx, req) =>
        {
            var path = Fx.Path(req);
            if (path == "/token")
            {
                var form = req.Body.Split('&').Select(p => p.Split('=')).ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p[1]));
                if (form["grant_type"] != "refresh_token" || form["refresh_token"] != currentRt || form["client_secret"] != "csecret-xyz")
                {
                    await Fx.Json(ctx, """{"error":"invalid_grant","error_description":"bad refresh token"}""", 400);
                    return;
                }
                issued++;
                var at = "at-" + issued;
                currentRt = "rt-" + issued;
                validTokens[at] = issued == 1 ? 2 : 100; // the first token "expires" after two calls
                await Fx.Json(ctx, JsonConvert.SerializeObject(new { access_token = at, refresh_token = currentRt, token_type = "bearer", expires_in = 3600 }));
                return;
            }
            var auth = req.Header("Authorization");
            var tok = auth.StartsWith("bearer ", StringComparison.OrdinalIgnoreCase) ? auth[7..] : "";
            if (!validTokens.TryGetValue(tok, out var left) || left <= 0)
            {
                await Fx.Json(ctx, """{"error":"invalid_token","error_description":"token expired"}""", 401);
                return;
            }
            validTokens[tok] = left - 1;
            const string prefix = "/inContactAPI/services/v34.0";
            if (path == prefix + "/agents")
            {
                int skip = int.TryParse(Fx.Query(req, "skip"), out var s) ? s : 0;
                var page = agents.Skip(skip).Take(2).ToList();
                var next = skip + 2 < agents.Count ? $"{ctx.Request.Scheme}://{ctx.Request.Host}{prefix}/agents?skip={skip + 2}&top=2" : null;
                await Fx.Json(ctx, new JObject { ["totalRecords"] = agents.Count, ["agents"] = new JArray(page), ["_links"] = new JObject { ["self"] = "x", ["next"] = next } }.ToString());
            }
            else if (path == prefix + "/teams")
            {
                await Fx.Json(ctx, """{"teams":[{"teamId":77,"teamName":"Sales","description":"s","teamLeadId":1001,"lastUpdateTime":"t"},{"teamId":78,"teamName":"Ops \"A\"","description":null,"teamLeadId":null,"lastUpdateTime":"t"}],"_links":{"next":null}}""");
            }
            else if (path == prefix + "/teams/77") await Fx.Json(ctx, """{"teamId":77,"agents":[{"agentId":1001},{"agentId":1002},{"agentId":9999}]}""");
            else if (path == prefix + "/teams/78") await Fx.Json(ctx, """{"teamId":78,"agents":[{"agentId":1003}]}""");
            else await Fx.Json(ctx, """{"error":"not found"}""", 404);
        });
        var conn = $$"""
            {"authentications":{"acctAuth":{"authType":"oauth2","url":"{{srv.BaseUrl}}/token","httpMethod":"POST",
              "httpParams":{"grant_type":"refresh_token","refresh_token":"${refresh_token}","client_id":"cid","client_secret":"csecret-xyz"},
              "httpHeaders":{},"httpContentType":"application/x-www-form-urlencoded","retryFailureStatusCode":[401],"maxRefreshTryCount":"2",
              "tokenResponsePath":"access_token","tokenType":"bearer","accessToken":"Bearer stale-initial",
              "refreshType":"RefreshToken","refreshToken":"rt-0","refreshTokenResponsePath":"refresh_token",
              "baseUrl":"{{srv.BaseUrl}}/inContactAPI/services/v34.0"} } }
            """;
        var (engine, rec, tokens) = Engine.Create();
        var sink = new CollectingSink();
        var result = await engine.RunImportAsync(Engine.Connection(conn, SharedFixtures.Attribute("INCONTACT", "ImportAccountEntJSON")), sink);

        Assert.True(result.IsComplete, result.Failure?.ToString());
        Assert.Equal(5, sink.Accounts.Count);
        Assert.Equal(AccountImportStatus.Inactive, sink.Accounts.Single(a => a.AccountId == "1003").Status);
        Assert.Equal(AccountImportStatus.Active, sink.Accounts.Single(a => a.AccountId == "1001").Status);
        Assert.Equal("agent1@corp", sink.Accounts.Single(a => a.AccountId == "1001").Name);
        Assert.Null(sink.Accounts.Single(a => a.AccountId == "1001").Attributes["customproperty4"]);
        Assert.Equal(new[] { "77", "78" }, sink.Entitlements.Select(e => e.EntitlementId));
        Assert.Equal("Ops \"A\"", sink.Entitlements[1].Value);
        Assert.Equal(new HashSet<string> { "1001|Teams|77", "1002|Teams|77", "1003|Teams|78" }, sink.LinkSet);
        Assert.Contains(result.Warnings, w => w.Contains("unknown accounts", StringComparison.Ordinal));
        // tokens: stale → at-1 (rt-0 used), at-1 expires mid-paging → at-2 (rotated rt-1 used)
        Assert.Equal(new[] { "bearer at-1", "bearer at-2" }, tokens!.Select(t => t.AccessToken));
        Assert.Equal("rt-2", tokens[^1].RefreshToken);
        Assert.NotNull(tokens[^1].ExpiresAt);
        // stale → 401, page 1 (at-1), page 2 (at-1), page 3 → 401 (at-1 expired), page 3 again (at-2)
        Assert.Equal(new[] { "Bearer stale-initial", "bearer at-1", "bearer at-1", "bearer at-1", "bearer at-2" }, srv.RequestsTo("/inContactAPI/services/v34.0/agents").Select(r => r.Header("Authorization")));
        var all = AllRecorded(rec);
        foreach (var secret in new[] { "csecret-xyz", "rt-0", "rt-1", "at-1", "at-2", "stale-initial" }) Assert.DoesNotContain(secret, all);
        Assert.Contains(rec.Exchanges, e => e.Purpose.Contains("retry 1 after token refresh", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sap_btp_offset_paging_with_placeholders_client_credentials_and_acctToEntMapping()
    {
        var users = Enumerable.Range(1, 9).Select(i => new JObject
        {
            ["id"] = $"u-{i}", ["userName"] = $"user{i}", ["active"] = i % 4 != 0,
            ["emails"] = new JArray(new JObject { ["value"] = $"user{i}@corp", ["primary"] = true }),
            ["groups"] = new JArray(new JObject { ["value"] = "Admins", ["display"] = "Admins" }, new JObject { ["value"] = i % 2 == 0 ? "Viewers" : "Admins" }),
        }).ToList();
        int tokenCalls = 0;
        await using var srv = await FixtureServer.StartAsync(async (ctx, req) =>
        {
            var path = Fx.Path(req);
            if (path == "/oauth/token")
            {
                tokenCalls++;
                var basic = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("sb-client:sap-secret-1"));
                if (req.Header("Authorization") != basic || !req.Body.Contains("grant_type=client_credentials", StringComparison.Ordinal)) { await Fx.Json(ctx, """{"error":"unauthorized"}""", 401); return; }
                await Fx.Json(ctx, """{"access_token":"sap-at-1","token_type":"bearer","expires_in":43199}""");
                return;
            }
            if (req.Header("Authorization") != "Bearer sap-at-1") { await Fx.Json(ctx, """{"error":"invalid_token"}""", 401); return; }
            int start = int.Parse(Fx.Query(req, "startIndex")), count = int.Parse(Fx.Query(req, "count"));
            if (path == "/Users")
            {
                // SCIM: startIndex is 1-based; 0 is treated as 1 (UAA behaviour)
                var page = users.Skip(Math.Max(1, start) - 1).Take(Math.Min(count, 4)).ToList(); // server caps at 4 per page
                await Fx.Json(ctx, new JObject { ["resources"] = new JArray(page), ["startIndex"] = Math.Max(1, start), ["itemsPerPage"] = page.Count, ["totalResults"] = users.Count, ["schemas"] = new JArray("urn:scim:schemas:core:1.0") }.ToString());
            }
            else if (path == "/Groups")
            {
                var groups = new[] { "Admins", "Viewers" };
                var page = groups.Skip(Math.Max(1, start) - 1).Take(count).Select(g => new JObject { ["id"] = g, ["displayName"] = g, ["description"] = g + " group" });
                await Fx.Json(ctx, new JObject { ["resources"] = new JArray(page), ["totalResults"] = 2 }.ToString());
            }
        });
        var conn = $$"""
            {"authentications":{"accAuth":{"authType":"BasicWithAccessToken","url":"{{srv.BaseUrl}}/oauth/token","httpMethod":"POST",
              "httpParams":{"grant_type":"client_credentials"},"httpHeaders":{},"httpContentType":"application/x-www-form-urlencoded",
              "properties":{"userName":"sb-client","password":"sap-secret-1"},"retryFailureStatusCode":[401],"maxRefreshTryCount":3,
              "tokenResponsePath":"access_token","tokenType":"Bearer","accessToken":""} } }
            """;
        var import = SharedFixtures.Attribute("SAP_Business_Technology_Platform", "ImportAccountEntJSON");
        var vars = new Dictionary<string, string> { ["@HOST_URL@"] = srv.BaseUrl["http://".Length..] };
        // the package says https://@HOST_URL@; the fixture speaks http: a prefix rewrite maps it
        var (engine, rec, _) = Engine.Create(rewrites: new[] { new UrlRewrite("https://" + vars["@HOST_URL@"], srv.BaseUrl) });
        var sink = new CollectingSink();
        var result = await engine.RunImportAsync(Engine.Connection(conn, import, vars: vars), sink);

        Assert.True(result.IsComplete, result.Failure?.ToString());
        Assert.Equal(1, tokenCalls);
        Assert.Equal(9, sink.Accounts.Select(a => a.AccountId).Distinct().Count());
        Assert.Equal("user2@corp", sink.Accounts.Single(a => a.AccountId == "u-2").Attributes["customproperty8"]);
        Assert.Equal(AccountImportStatus.Inactive, sink.Accounts.Single(a => a.AccountId == "u-4").Status);
        Assert.Contains("\"Groups\"", sink.Accounts.Single(a => a.AccountId == "u-2").Attributes["customproperty31"]);
        Assert.Equal(new[] { "Admins", "Viewers" }, sink.Entitlements.Select(e => e.EntitlementId));
        Assert.Contains("u-2|Groups|Viewers", sink.LinkSet);
        Assert.Contains("u-1|Groups|Admins", sink.LinkSet);
        Assert.Equal(9 + 4, sink.Links.Count);
        var first = rec.Exchanges.First(e => e.Purpose.StartsWith("accountParams.call1 page 1", StringComparison.Ordinal));
        Assert.StartsWith("https://", first.ConfiguredUrl);
        Assert.StartsWith(srv.BaseUrl, first.Url);
        Assert.NotNull(first.RewriteApplied);
        Assert.DoesNotContain("sap-secret-1", AllRecorded(rec));
        Assert.DoesNotContain("sap-at-1", AllRecorded(rec));
        Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("sb-client:sap-secret-1")), AllRecorded(rec));
    }

    [Fact]
    public async Task Confluent_basic_auth_two_account_calls_and_entitlement_types_in_order_with_labels()
    {
        await using var srv = await FixtureServer.StartAsync(async (ctx, req) =>
        {
            var basic = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("KEY123:confluent-secret"));
            if (req.Header("Authorization") != basic) { await Fx.Json(ctx, """{"errors":[{"status":"401","detail":"Unauthorized"}]}""", 401); return; }
            switch (Fx.Path(req))
            {
                case "/iam/v2/users":
                    await Fx.Json(ctx, """{"api_version":"iam/v2","kind":"UserList","metadata":{"first":"x","next":""},"data":[{"id":"u-1","full_name":"Ann","email":"ann@x","kind":"User"},{"id":"u-2","full_name":"Bob","email":"bob@x","kind":"User"}]}""");
                    break;
                case "/iam/v2/service-accounts":
                    await Fx.Json(ctx, """{"data":[{"id":"sa-1","display_name":"robot","description":"ci bot","kind":"ServiceAccount"}]}""");
                    break;
                case "/org/v2/organizations":
                    await Fx.Json(ctx, """{"data":[{"id":"org-1","display_name":"Acme","kind":"Organization"}]}""");
                    break;
                case "/org/v2/environments":
                    await Fx.Json(ctx, """{"data":[{"id":"env-1","display_name":"prod","kind":"Environment"},{"id":"env-2","display_name":"dev","kind":"Environment"}]}""");
                    break;
            }
        });
        var conn = """{"authentications":{"acctAuth":{"authType":"Basic","properties":{"userName":"KEY123","password":"confluent-secret"},"retryFailureStatusCode":[401],"maxRefreshTryCount":1}}}""";
        var (engine, rec, _) = Engine.Create(rewrites: new[] { new UrlRewrite("https://api.confluent.cloud", srv.BaseUrl) });
        var sink = new CollectingSink();
        var result = await engine.RunImportAsync(Engine.Connection(conn, SharedFixtures.Attribute("Confluent", "ImportAccountEntJSON")), sink);
        Assert.True(result.IsComplete, result.Failure?.ToString());
        Assert.Equal(new[] { "u-1", "u-2", "sa-1" }, sink.Accounts.Select(a => a.AccountId));
        Assert.Equal("ci bot", sink.Accounts[2].Attributes["customproperty4"]);
        Assert.Equal(new[] { "organization", "environment" }, sink.Types.Select(t => t.Name));
        Assert.Equal("Deleted", sink.Types[0].Labels["customproperty1"]);
        Assert.Equal(1, result.EntitlementCounts["organization"]);
        Assert.Equal(2, result.EntitlementCounts["environment"]);
        Assert.DoesNotContain("confluent-secret", AllRecorded(rec));
        Assert.All(rec.Exchanges, e => Assert.Contains(e.RequestHeaders, h => h.Key == "Authorization" && h.Value == "Basic ***"));
    }

    [Fact]
    public async Task Signal_sciences_vendor_urls_rewritten_and_httpEntToAcct_with_nested_acctIdPath()
    {
        await using var srv = await FixtureServer.StartAsync(async (ctx, req) =>
        {
            if (req.Header("Authorization") != "Bearer sigsci-tok") { await Fx.Json(ctx, """{"message":"Unauthorized"}""", 401); return; }
            var path = Fx.Path(req);
            if (path == "/api/v0/corps/acme/users")
                await Fx.Json(ctx, """{"data":[{"email":"a@x","name":"A","role":"admin","status":"active","memberships":{"data":[{"site":{"name":"www"}}]},"mfaEnabled":true,"created":"2020-01-01T00:00:00Z"},{"email":"b@x","name":"B","role":"user","status":"invited","mfaEnabled":false}]}""");
            else if (path == "/api/v0/corps/acme/sites")
                await Fx.Json(ctx, """{"data":[{"name":"www","displayName":"Website","agentLevel":"block","blockHTTPCode":406,"blockDurationSeconds":86400,"created":"2020","whitelist":{"uri":"/w"},"members":{"uri":"/m"}}]}""");
            else if (path == "/api/v0/corps/acme/sites/www/members")
                await Fx.Json(ctx, """{"data":[{"user":{"email":"a@x","name":"A"},"role":"owner"},{"user":{"email":"b@x"},"role":"observer"}]}""");
            else await Fx.Json(ctx, """{"message":"not found"}""", 404);
        });
        var (engine, _, _) = Engine.Create(rewrites: new[] { new UrlRewrite("https://dashboard.signalsciences.net", srv.BaseUrl) });
        var sink = new CollectingSink();
        var result = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken("Bearer sigsci-tok"), SharedFixtures.Attribute("Signal_Sciences", "ImportAccountEntJSON"),
            vars: new Dictionary<string, string> { ["@CORPNAME@"] = "acme" }), sink);
        Assert.True(result.IsComplete, result.Failure?.ToString());
        Assert.Equal(AccountImportStatus.Active, sink.Accounts[0].Status);
        Assert.Equal(AccountImportStatus.Inactive, sink.Accounts[1].Status);
        Assert.Equal("{\"data\":[{\"site\":{\"name\":\"www\"}}]}", sink.Accounts[0].Attributes["customproperty3"]);
        Assert.Equal("406", sink.Entitlements[0].Attributes["customproperty2"]);
        Assert.Equal("/w", sink.Entitlements[0].Attributes["customproperty5"]);
        Assert.Equal(new HashSet<string> { "a@x|Site|www", "b@x|Site|www" }, sink.LinkSet);
    }

    [Fact]
    public async Task Bynder_relative_urls_static_token_and_acctToEntMapping()
    {
        await using var srv = await FixtureServer.StartAsync(async (ctx, req) =>
        {
            if (req.Header("Authorization") != "Bearer perm-bynder") { await Fx.Json(ctx, """{"message":"Unauthorized"}""", 401); return; }
            switch (Fx.Path(req))
            {
                case "/api/v4/users":
                    await Fx.Json(ctx, """[{"id":"11111111-2222-3333-4444555566667777","username":"ann","email":"ann@x","name":"Ann","active":1,"profileId":"p1","groups":[{"id":"g1"},{"id":"g2"}]},{"id":"u2","username":"bob","email":"bob@x","active":0,"groups":[]}]""");
                    break;
                case "/api/groups/list":
                    await Fx.Json(ctx, """[{"id":"g1","name":"Marketing"},{"id":"g2","name":"Design"}]""");
                    break;
            }
        });
        var (engine, _, _) = Engine.Create(baseUrl: srv.BaseUrl);
        var sink = new CollectingSink();
        var result = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken("Bearer perm-bynder"), SharedFixtures.Attribute("Bynder", "ImportAccountEntJSON")), sink);
        Assert.True(result.IsComplete, result.Failure?.ToString());
        Assert.Equal(AccountImportStatus.Active, sink.Accounts[0].Status); // "active": ["1", 1] alias of activeStatus
        Assert.Equal(AccountImportStatus.Inactive, sink.Accounts[1].Status);
        Assert.Equal(new HashSet<string> { "11111111-2222-3333-4444555566667777|Group|g1", "11111111-2222-3333-4444555566667777|Group|g2" }, sink.LinkSet);
    }
}
