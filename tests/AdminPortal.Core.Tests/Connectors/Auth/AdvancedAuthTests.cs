using System.Security.Cryptography;
using System.Text;
using AdminPortal.Core.Connectors.Import;
using AdminPortal.Core.Tests.Connectors.Import;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Tests.Connectors.Auth;

public class AdvancedAuthTests
{
    private const string Import = """
        {"accountParams":{"connection":"acctAuth","call":{"call1":{"http":{"url":"BASE/api/users","httpMethod":"GET","httpHeaders":{"Authorization":"${access_token}"}},
          "listField":"","keyField":"accountID","colsToPropsMap":{"accountID":"id","name":"login"}}}}}
        """;

    [Fact]
    public async Task Jwt_rs256_signature_verifies_with_the_public_key()
    {
        using var rsa = RSA.Create(2048);
        var pem = rsa.ExportPkcs8PrivateKeyPem();
        await using var srv = await FixtureServer.StartAsync(async (ctx, req) =>
        {
            if (Fx.Path(req) == "/token")
            {
                var jwt = Uri.UnescapeDataString(req.Body.Split('&').Single(p => p.StartsWith("assertion=", StringComparison.Ordinal))["assertion=".Length..]);
                var parts = jwt.Split('.');
                static byte[] B64(string s) => Convert.FromBase64String(s.Replace('-', '+').Replace('_', '/').PadRight((s.Length + 3) / 4 * 4, '='));
                bool ok = rsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), B64(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                var header = JObject.Parse(Encoding.UTF8.GetString(B64(parts[0])));
                if (!ok || (string?)header["alg"] != "RS256" || (string?)header["kid"] != "k1") { await Fx.Json(ctx, """{"error":"invalid_grant"}""", 400); return; }
                await Fx.Json(ctx, """{"access_token":"rs-at"}""");
                return;
            }
            await Fx.Json(ctx, req.Header("Authorization") == "Bearer rs-at" ? """[{"id":"1","login":"a"}]""" : "{}", req.Header("Authorization") == "Bearer rs-at" ? 200 : 401);
        });
        var profile = new JObject
        {
            ["authType"] = "Jwt", ["url"] = srv.BaseUrl + "/token", ["httpMethod"] = "POST", ["httpContentType"] = "application/x-www-form-urlencoded",
            ["httpParams"] = new JObject { ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer" },
            ["jwtConfig"] = new JObject { ["jwtHeader"] = new JObject { ["alg"] = "RS256", ["kid"] = "k1" }, ["jwtPayload"] = new JObject { ["iss"] = "svc", ["scope"] = "read" }, ["key"] = pem },
            ["retryFailureStatusCode"] = new JArray(401), ["tokenResponsePath"] = "access_token", ["tokenType"] = "Bearer",
        };
        var conn = new JObject { ["authentications"] = new JObject { ["acctAuth"] = profile } }.ToString();
        var (engine, rec, _) = Engine.Create();
        var r = await engine.RunImportAsync(Engine.Connection(conn, Import.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal)), new CollectingSink());
        Assert.True(r.IsComplete, r.Failure?.ToString());
        var all = JsonConvert.SerializeObject(rec.Exchanges);
        Assert.DoesNotContain("PRIVATE KEY", all);
        Assert.Contains("assertion=***", all);
    }

    [Fact]
    public async Task Rejected_refresh_token_is_renewed_through_refreshTokenCall()
    {
        string validRt = "rt-new";
        await using var srv = await FixtureServer.StartAsync(async (ctx, req) =>
        {
            switch (Fx.Path(req))
            {
                case "/token":
                    if (!req.Body.Contains("refresh_token=" + validRt, StringComparison.Ordinal)) { await Fx.Json(ctx, """{"error":{"code":"invalid_refresh_token"}}""", 400); return; }
                    await Fx.Json(ctx, """{"access_token":"at-ok"}""");
                    return;
                case "/mint":
                    await Fx.Json(ctx, """{"data":{"rt":"rt-new"}}""");
                    return;
            }
            await Fx.Json(ctx, req.Header("Authorization") == "Bearer at-ok" ? """[{"id":"1","login":"a"}]""" : "{}", req.Header("Authorization") == "Bearer at-ok" ? 200 : 401);
        });
        var conn = """
            {"authentications":{"acctAuth":{"authType":"oauth2","url":"BASE/token","httpMethod":"POST","httpContentType":"application/x-www-form-urlencoded",
              "httpParams":{"grant_type":"refresh_token","refresh_token":"${refresh_token}"},"refreshType":"RefreshToken","refreshToken":"rt-old",
              "refreshTokenAuthError":["invalid_refresh_token"],"refreshTokenErrorPath":"error.code",
              "refreshTokenCall":{"url":"BASE/mint","httpMethod":"POST","httpParams":{"user":"u"},"httpContentType":"application/json"},
              "refreshTokenResponsePath":"data.rt","retryFailureStatusCode":[401],"maxRefreshTryCount":1,"tokenResponsePath":"access_token","tokenType":"Bearer","accessToken":"Bearer stale"}}}
            """.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal);
        var (engine, _, tokens) = Engine.Create();
        var r = await engine.RunImportAsync(Engine.Connection(conn, Import.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal)), new CollectingSink());
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal("rt-new", tokens.Single().RefreshToken);
    }

    [Fact]
    public async Task Open_circuit_fails_the_import_as_transport()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Json(ctx, "{}", 503));
        var (engine, _, _) = Engine.Create(resilience: Engine.FastResilience with { MaxRetryAttempts = 3, BreakerMinimumThroughput = 2, BreakerFailureRatio = 0.5 });
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), Import.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal)), new CollectingSink());
        Assert.False(r.IsComplete);
        Assert.Equal(ImportFailureKind.Transport, r.Failure!.Kind);
        Assert.Contains("circuit", r.Failure.Message, StringComparison.OrdinalIgnoreCase);
    }
}
