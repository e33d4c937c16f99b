using System.Security.Cryptography;
using System.Text;
using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Connectors.Import;
using AdminPortal.Core.Tests.Connectors.Import;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Tests.Connectors.Auth;

public class AuthProfileTests
{
    private const string Import = """
        {"accountParams":{"connection":"acctAuth","call":{"call1":{"http":{"url":"BASE/api/users","httpMethod":"GET","httpHeaders":{"Authorization":"${access_token}","X-Tenant":"${connection.tenant}"}},
          "listField":"items","keyField":"accountID","colsToPropsMap":{"accountID":"id","name":"login"}}}}}
        """;

    private static Task Users(Microsoft.AspNetCore.Http.HttpContext ctx) => Fx.Json(ctx, """{"items":[{"id":"1","login":"a"},{"id":"2","login":"b"}]}""");

    [Fact]
    public async Task Static_token_that_is_rejected_fails_with_authentication_error()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Json(ctx, """{"error":"invalid_token"}""", 401));
        var conn = Engine.StaticToken("Bearer old", extra: ",\"tenant\":\"t1\"").Replace("\"retryFailureStatusCode\":[]", "\"retryFailureStatusCode\":[401]", StringComparison.Ordinal);
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunImportAsync(Engine.Connection(conn, Import.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal)), new CollectingSink());
        Assert.False(r.IsComplete);
        Assert.Equal(ImportFailureKind.Authentication, r.Failure!.Kind);
        Assert.Contains("token call failed", r.Failure.Message);
    }

    [Fact]
    public async Task Client_credentials_lazy_token_custom_connection_key_and_json_token_body()
    {
        int tokenCalls = 0;
        await using var srv = await FixtureServer.StartAsync(async (ctx, req) =>
        {
            if (Fx.Path(req) == "/oauth/token")
            {
                tokenCalls++;
                var body = JObject.Parse(req.Body);
                Assert.Equal("client_credentials", (string?)body["grant_type"]);
                Assert.Equal("s3cr3t-cc", (string?)body["client_secret"]);
                await Fx.Json(ctx, """{"token":{"access_token":"cc-token-1"},"expires_in":"3600"}""");
                return;
            }
            if (req.Header("Authorization") != "Bearer cc-token-1" || req.Header("X-Tenant") != "t1") { await Fx.Json(ctx, """{"error":"invalid_token"}""", 401); return; }
            await Users(ctx);
        });
        var conn = """
            {"authentications":{"acctAuth":{"authType":"OAuth2","url":"BASE/oauth/token","httpMethod":"POST",
              "httpParams":{"grant_type":"client_credentials","client_id":"cid","client_secret":"s3cr3t-cc"},"httpContentType":"application/json",
              "retryFailureStatusCode":[401],"maxRefreshTryCount":3,"tokenResponsePath":"token.access_token","tokenType":"Bearer","accessToken":"Bearer x","tenant":"t1"}}}
            """.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal);
        var (engine, rec, tokens) = Engine.Create();
        var sink = new CollectingSink();
        var r = await engine.RunImportAsync(Engine.Connection(conn, Import.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal)), sink);
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(2, sink.Accounts.Count);
        Assert.Equal(1, tokenCalls);
        Assert.Single(tokens);
        Assert.Equal("Bearer cc-token-1", tokens[0].AccessToken);
        var all = JsonConvert.SerializeObject(rec.Exchanges);
        Assert.DoesNotContain("s3cr3t-cc", all);
        Assert.DoesNotContain("cc-token-1", all);
    }

    [Fact]
    public async Task Error_path_auth_error_on_http_200_triggers_refresh()
    {
        int apiCalls = 0;
        await using var srv = await FixtureServer.StartAsync(async (ctx, req) =>
        {
            if (Fx.Path(req) == "/token") { await Fx.Json(ctx, """{"access_token":"fresh"}"""); return; }
            apiCalls++;
            if (req.Header("Authorization") != "Bearer fresh") { await Fx.Json(ctx, """{"odata.error":{"code":"InvalidAuthenticationToken"}}"""); return; }
            await Users(ctx);
        });
        var conn = """
            {"authentications":{"acctAuth":{"authType":"oauth2","url":"BASE/token","httpMethod":"POST","httpParams":{"grant_type":"client_credentials"},
              "httpContentType":"application/x-www-form-urlencoded","errorPath":"odata~dot#error.code","authError":["InvalidAuthenticationToken"],
              "retryFailureStatusCode":[401],"maxRefreshTryCount":2,"tokenResponsePath":"access_token","tokenType":"Bearer","accessToken":"Bearer stale","tenant":"t1"}}}
            """.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal);
        var (engine, _, _) = Engine.Create();
        var sink = new CollectingSink();
        var r = await engine.RunImportAsync(Engine.Connection(conn, Import.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal).Replace("X-Tenant", "X-T", StringComparison.Ordinal)), sink);
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(2, apiCalls);
    }

    [Fact]
    public async Task Max_refresh_try_count_is_honoured()
    {
        int tokenCalls = 0;
        await using var srv = await FixtureServer.StartAsync(async (ctx, req) =>
        {
            if (Fx.Path(req) == "/token") { tokenCalls++; await Fx.Json(ctx, """{"access_token":"never-good"}"""); return; }
            await Fx.Json(ctx, """{"error":"expired"}""", 401);
        });
        var conn = """
            {"authentications":{"acctAuth":{"authType":"oauth2","url":"BASE/token","httpMethod":"POST","httpParams":{},"httpContentType":"application/json",
              "retryFailureStatusCode":["401"],"maxRefreshTryCount":"3","tokenResponsePath":"access_token","tokenType":"Bearer","accessToken":"Bearer stale","tenant":"t"}}}
            """.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal);
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunImportAsync(Engine.Connection(conn, Import.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal)), new CollectingSink());
        Assert.Equal(3, tokenCalls);
        Assert.Equal(ImportFailureKind.HttpStatus, r.Failure!.Kind);
        Assert.Equal(401, r.Failure.HttpStatus);
        Assert.Contains("authentication still failing", r.Failure.Message);
    }

    [Fact]
    public async Task Token_read_from_set_cookie_header_and_sent_as_cookie()
    {
        await using var srv = await FixtureServer.StartAsync(async (ctx, req) =>
        {
            if (Fx.Path(req) == "/login")
            {
                Assert.Equal("u=svc&p=pw%20with%20space", req.Body);
                ctx.Response.Headers["Set-Cookie"] = "JSESSIONID=sess-42; Path=/; HttpOnly";
                await Fx.Json(ctx, "{}");
                return;
            }
            if (req.Header("Cookie") != "JSESSIONID=sess-42") { await Fx.Json(ctx, """{"error":"login"}""", 401); return; }
            await Users(ctx);
        });
        var conn = """
            {"authentications":{"acctAuth":{"authType":"cookies","url":"BASE/login","httpMethod":"POST","httpParams":{"u":"svc","p":"pw with space"},
              "httpContentType":"application/x-www-form-urlencoded","retryFailureStatusCode":[401],"maxRefreshTryCount":1,
              "tokenResponsePath":"#HEADERS#Set-Cookie","tokenType":"","accessToken":"","tenant":"t1"}}}
            """.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal);
        var import = Import.Replace("\"Authorization\":\"${access_token}\"", "\"Cookie\":\"${access_token}\"", StringComparison.Ordinal).Replace("BASE", srv.BaseUrl, StringComparison.Ordinal);
        var (engine, rec, _) = Engine.Create();
        var r = await engine.RunImportAsync(Engine.Connection(conn, import), new CollectingSink());
        Assert.True(r.IsComplete, r.Failure?.ToString());
        var all = JsonConvert.SerializeObject(rec.Exchanges);
        Assert.DoesNotContain("sess-42", all);
    }

    [Fact]
    public async Task Jwt_assertion_signed_with_hs256_is_posted_and_verified()
    {
        const string key = "jwt-shared-key-0123456789abcdef";
        await using var srv = await FixtureServer.StartAsync(async (ctx, req) =>
        {
            if (Fx.Path(req) == "/token")
            {
                var form = req.Body.Split('&').Select(p => p.Split('=')).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
                var parts = form["jwt_token"].Split('.');
                var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
                var payload = JObject.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(parts[1].Replace('-', '+').Replace('_', '/').PadRight((parts[1].Length + 3) / 4 * 4, '='))));
                if (parts[2] != expected || (string?)payload["iss"] != "svc@x" || payload["exp"] is null) { await Fx.Json(ctx, """{"error":"bad jwt"}""", 400); return; }
                await Fx.Json(ctx, """{"access_token":"jwt-at"}""");
                return;
            }
            if (req.Header("Authorization") != "Bearer jwt-at") { await Fx.Json(ctx, "{}", 401); return; }
            await Users(ctx);
        });
        var conn = """
            {"authentications":{"acctAuth":{"authType":"Jwt","url":"BASE/token","httpMethod":"POST","httpParams":{"grant_type":"urn:ietf:params:oauth:grant-type:jwt-bearer"},
              "httpContentType":"application/x-www-form-urlencoded","httpParamsName":"jwt_token",
              "jwtConfig":{"jwtHeader":{"typ":"JWT"},"jwtPayload":{"iss":"svc@x","aud":"api"},"signedAlgorithm":"HS256","key":"KEY","jwtExpiryDuration":600},
              "retryFailureStatusCode":[401],"maxRefreshTryCount":1,"tokenResponsePath":"access_token","tokenType":"Bearer","tenant":"t1"}}}
            """.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal).Replace("KEY", key, StringComparison.Ordinal);
        var (engine, rec, _) = Engine.Create();
        var r = await engine.RunImportAsync(Engine.Connection(conn, Import.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal)), new CollectingSink());
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.DoesNotContain(key, JsonConvert.SerializeObject(rec.Exchanges));
        Assert.DoesNotContain("jwt-at", JsonConvert.SerializeObject(rec.Exchanges));
    }

    [Fact]
    public async Task Proactive_refresh_when_expires_in_has_elapsed()
    {
        var clock = new ManualTimeProvider();
        int issued = 0, rejected = 0;
        await using var srv = await FixtureServer.StartAsync(async (ctx, req) =>
        {
            if (Fx.Path(req) == "/token") { issued++; await Fx.Json(ctx, $$"""{"access_token":"t{{issued}}","expires_in":60}"""); return; }
            if (req.Header("Authorization") != $"Bearer t{issued}") { rejected++; await Fx.Json(ctx, "{}", 401); return; }
            int page = int.Parse(Fx.Query(req, "page"));
            clock.Advance(TimeSpan.FromMinutes(2)); // each page takes two minutes; the 60 s token is stale afterwards
            await Fx.Json(ctx, page <= 2 ? $$"""[{"id":"{{page}}","login":"x"}]""" : "[]");
        });
        var conn = """
            {"authentications":{"acctAuth":{"authType":"oauth2","url":"BASE/token","httpMethod":"POST","httpParams":{},"httpContentType":"application/json",
              "retryFailureStatusCode":[401],"maxRefreshTryCount":1,"tokenResponsePath":"access_token","tokenType":"Bearer","tenant":"t"}}}
            """.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal);
        var import = """
            {"accountParams":{"connection":"acctAuth","call":{"call1":{"http":{"url":"BASE/api/users","httpMethod":"GET","httpHeaders":{"Authorization":"${access_token}"}},
              "listField":"","keyField":"accountID","colsToPropsMap":{"accountID":"id","name":"login"},"pagination":{"page":{"pageNumberParam":"page","pageSize":1,"firstPageNumber":1}}}}}}
            """.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal);
        var (engine, _, tokens) = Engine.Create(time: clock);
        var r = await engine.RunImportAsync(Engine.Connection(conn, import), new CollectingSink());
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(0, rejected);
        Assert.Equal(3, issued);
        Assert.Equal(3, tokens.Count);
    }

    [Fact]
    public async Task Test_connection_runs_testConnectionParams_and_returns_redacted_exchange()
    {
        await using var srv = await FixtureServer.StartAsync(async (ctx, req) =>
        {
            if (Fx.Path(req) == "/token") { await Fx.Json(ctx, """{"access_token":"tc-token-9"}"""); return; }
            if (req.Header("Authorization") != "Bearer tc-token-9") { await Fx.Json(ctx, "{}", 401); return; }
            await Fx.Json(ctx, """{"status":"UP","me":{"id":"svc"}}""");
        });
        var json = """
            {"authentications":{"acctAuth":{"authType":"oauth2","url":"BASE/token","httpMethod":"POST","httpParams":{"client_secret":"tc-secret"},"httpContentType":"application/json",
              "retryFailureStatusCode":[401],"maxRefreshTryCount":1,"tokenResponsePath":"access_token","tokenType":"Bearer","accessToken":"Bearer dummy",
              "testConnectionParams":{"http":{"url":"BASE/health","httpMethod":"GET","httpHeaders":{"Authorization":"${access_token}"}},
                 "successResponses":["UP"],"successResponsePath":"status","errors":["DOWN"],"errorPath":"status"}}}}
            """.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal);
        var (engine, hostRec, _) = Engine.Create();
        var result = await engine.TestConnectionAsync(ConnectionDefinition.Parse(json));
        Assert.True(result.Success, result.Message);
        Assert.Equal(3, result.Exchanges.Count); // 401 with the dummy token, token call, retried test call
        Assert.Equal(3, hostRec.Exchanges.Count);
        var all = JsonConvert.SerializeObject(result.Exchanges);
        Assert.DoesNotContain("tc-token-9", all);
        Assert.DoesNotContain("tc-secret", all);
        Assert.Contains("Bearer ***", all);

        var tokenOnly = json.Replace("\"testConnectionParams\"", "\"unused\"", StringComparison.Ordinal);
        var t2 = await engine.TestConnectionAsync(ConnectionDefinition.Parse(tokenOnly), "acctAuth");
        Assert.True(t2.Success);
        Assert.Single(t2.Exchanges);

        var failing = json.Replace("\"UP\"]", "\"GREEN\"]", StringComparison.Ordinal);
        var t3 = await engine.TestConnectionAsync(ConnectionDefinition.Parse(failing));
        Assert.False(t3.Success);
        Assert.Contains("status = 'UP'", t3.Message);
    }

    [Fact]
    public async Task Test_connection_reports_token_call_failure()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Json(ctx, """{"error":"invalid_client","error_description":"bad secret"}""", 401));
        var json = """{"authentications":{"a":{"authType":"oauth2","url":"BASE/token","httpMethod":"POST","httpParams":{"client_secret":"nope-secret"},"httpContentType":"application/x-www-form-urlencoded","tokenResponsePath":"access_token"}}}"""
            .Replace("BASE", srv.BaseUrl, StringComparison.Ordinal);
        var (engine, _, _) = Engine.Create();
        var t = await engine.TestConnectionAsync(ConnectionDefinition.Parse(json));
        Assert.False(t.Success);
        Assert.Contains("HTTP 401", t.Message);
        Assert.Contains("invalid_client", t.Message);
        Assert.DoesNotContain("nope-secret", JsonConvert.SerializeObject(t.Exchanges));
    }
}
