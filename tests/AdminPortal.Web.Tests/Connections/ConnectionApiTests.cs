using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AdminPortal.Core.Domain;
using AdminPortal.Core.Transport;
using AdminPortal.Web.Features.Connections;
using AdminPortal.Web.Security;
using AdminPortal.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Web.Tests.Connections;

public class ConnectionApiTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private const string ClientSecret = "cl13nt-s3cret-value";
    private const string Password = "pa55-w0rd-value";

    private static string ConnectionJson(string userName = "svc") => new JObject
    {
        ["authentications"] = new JObject
        {
            ["acctAuth"] = new JObject
            {
                ["authType"] = "oauth2",
                ["url"] = "https://idp.example.com/token",
                ["httpMethod"] = "POST",
                ["httpParams"] = new JObject { ["grant_type"] = "client_credentials", ["client_id"] = "portal", ["client_secret"] = ClientSecret },
                ["httpContentType"] = "application/x-www-form-urlencoded",
                ["properties"] = new JObject { ["userName"] = userName, ["password"] = Password },
                ["tokenResponsePath"] = "access_token",
                ["tokenType"] = "Bearer",
                ["accessToken"] = "Bearer initial-t0ken-value",
            },
        },
    }.ToString();

    private const string CreateAccountJson = "{\n  \"call\": [\n    {\n      \"name\": \"call1\",\n      \"connection\": \"acctAuth\",\n      \"url\": \"https://api.example.com/users\",\n      \"httpMethod\": \"POST\",\n      \"httpParams\": \"{\\\"login\\\":\\\"${user.username}\\\"}\",\n      \"successResponses\": { \"statusCode\": [201] }\n    }\n  ]\n}";

    private async Task<HttpClient> ApiClientAsync()
    {
        var token = await factory.Services.GetRequiredService<ApiTokenService>().CreateAsync("admin", "tests", 1, "tests");
        var client = factory.CreateNonRedirectingClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        return client;
    }

    private static StringContent Json(JToken body) => new(body.ToString(), Encoding.UTF8, "application/json");

    private async Task<HttpResponseMessage> PutAsync(HttpClient client, string name, JObject body) =>
        await client.PutAsync($"/api/connections/{Uri.EscapeDataString(name)}", Json(body));

    private async Task<string?> StoredAttributeAsync(string connection, string attribute) =>
        (await factory.Services.GetRequiredService<ConnectionService>().GetDecryptedAsync(connection))?.Attribute(attribute)?.Value;

    private Task<string> DumpAsync() => factory.DumpAsync();

    [Fact]
    public async Task Put_NewConnection_CreatedAndGetAnswersItWithSecretsMasked()
    {
        var client = await ApiClientAsync();
        var response = await PutAsync(client, "Api Roundtrip", new JObject
        {
            ["description"] = "created by the API",
            ["baseUrl"] = "https://api.example.com",
            ["urlRewrites"] = new JArray(new JObject { ["from"] = "https://api.example.com", ["to"] = "http://localhost:9000" }),
            ["attributes"] = new JObject { ["ConnectionJSON"] = ConnectionJson(), ["CreateAccountJSON"] = CreateAccountJson },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        var get = await client.GetAsync("/api/connections/Api%20Roundtrip");
        var text = await get.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        foreach (var secret in new[] { ClientSecret, Password, "initial-t0ken-value" })
            Assert.DoesNotContain(secret, text);
        var body = JObject.Parse(text);
        Assert.Equal("created by the API", (string?)body["description"]);
        Assert.Equal("REST", (string?)body["connectionType"]);
        Assert.Equal("https://api.example.com", (string?)body["baseUrl"]);
        Assert.Equal("http://localhost:9000", (string?)body["urlRewrites"]![0]!["to"]);
        var profile = JObject.Parse((string)body["attributes"]!["ConnectionJSON"]!)["authentications"]!["acctAuth"]!;
        Assert.Equal(SecretMasker.Mask, (string?)profile["properties"]!["password"]);
        Assert.Equal(SecretMasker.Mask, (string?)profile["httpParams"]!["client_secret"]);
        Assert.Equal("Bearer " + SecretMasker.Mask, (string?)profile["accessToken"]);
        Assert.Equal("svc", (string?)profile["properties"]!["userName"]);
        Assert.Equal(CreateAccountJson, (string?)body["attributes"]!["CreateAccountJSON"]);

        // Stored for real (and encrypted at rest).
        Assert.Equal(ConnectionJson(), await StoredAttributeAsync("Api Roundtrip", ConnectionAttributeNames.ConnectionJson));
        await using var db = factory.CreateDbContext();
        var raw = await db.ConnectionAttributes.SingleAsync(a => a.Name == "ConnectionJSON" && db.Connections.Any(c => c.Id == a.ConnectionId && c.Name == "Api Roundtrip"));
        Assert.True(raw.IsEncrypted);
        Assert.DoesNotContain(Password, raw.Value);
    }

    [Fact]
    public async Task Put_MaskedSecretsSentBack_KeepTheStoredSecretsAndApplyTheEdits()
    {
        var client = await ApiClientAsync();
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(client, "Api Keep", new JObject { ["attributes"] = new JObject { ["ConnectionJSON"] = ConnectionJson() } })).StatusCode);
        var masked = (string)JObject.Parse(await client.GetStringAsync("/api/connections/Api%20Keep"))["attributes"]!["ConnectionJSON"]!;

        var response = await PutAsync(client, "Api Keep", new JObject { ["attributes"] = new JObject { ["ConnectionJSON"] = masked.Replace("\"svc\"", "\"svc-renamed\"") } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(Password, await response.Content.ReadAsStringAsync());
        Assert.Equal(ConnectionJson("svc-renamed"), await StoredAttributeAsync("Api Keep", ConnectionAttributeNames.ConnectionJson));
        var history = await factory.Services.GetRequiredService<ConnectionService>().HistoryAsync("Api Keep", ConnectionAttributeNames.ConnectionJson);
        Assert.Equal(["api", "api"], history.Select(v => v.Source));
    }

    [Fact]
    public async Task Put_InvalidJsonAttribute_RefusedNamingAttributeAndLine_DatabaseUnchanged()
    {
        var client = await ApiClientAsync();
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(client, "Api Refused", new JObject { ["attributes"] = new JObject { ["CreateAccountJSON"] = CreateAccountJson } })).StatusCode);
        var before = await DumpAsync();

        var response = await PutAsync(client, "Api Refused", new JObject
        {
            ["description"] = "must not be saved",
            ["attributes"] = new JObject
            {
                ["ConnectionJSON"] = ConnectionJson(),
                ["CreateAccountJSON"] = "{\n  \"call\": [\n    { \"name\": \"call1\" \"url\": \"x\" }\n  ]\n}",
            },
        });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var error = (string)JObject.Parse(await response.Content.ReadAsStringAsync())["errors"]!.Single()!;
        Assert.StartsWith("CreateAccountJSON:", error);
        Assert.Contains("line 3", error);
        Assert.Equal(before, await DumpAsync());
    }

    [Fact]
    public async Task Put_HttpParamsStringWithUnescapedQuote_RefusedBeforeAnyCall()
    {
        var client = await ApiClientAsync();
        var broken = CreateAccountJson.Replace("\\\"${user.username}\\\"}", "\\\"${user.username}\\\" \\\"x\\\"}");

        var response = await PutAsync(client, "Api Quote", new JObject { ["attributes"] = new JObject { ["CreateAccountJSON"] = broken } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("CreateAccountJSON: call[0].httpParams (line 8", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/connections/Api%20Quote")).StatusCode);
    }

    [Fact]
    public async Task Put_BrokenTemplateInAnAttribute_RefusedNamingPathAndCharacter_NothingWritten()
    {
        var client = await ApiClientAsync();
        var before = await DumpAsync();
        var broken = CreateAccountJson.Replace("https://api.example.com/users", "https://api.example.com/users/${user.username");

        var response = await PutAsync(client, "Api Template", new JObject { ["attributes"] = new JObject { ["CreateAccountJSON"] = broken } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var error = (string)JObject.Parse(await response.Content.ReadAsStringAsync())["errors"]!.Single()!;
        Assert.StartsWith("CreateAccountJSON: call[0].url (line 6", error);
        Assert.Contains("character 31", error); // the '${' after https://api.example.com/users/
        Assert.Equal(before, await DumpAsync());
    }

    [Fact]
    public async Task Put_StoreFailsAfterRenameAndAttributes_WholeRequestRolledBack()
    {
        var client = await ApiClientAsync();
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(client, "Api Atomic", new JObject { ["attributes"] = new JObject { ["CreateAccountJSON"] = CreateAccountJson } })).StatusCode);
        var before = await DumpAsync();
        await using (var db = factory.CreateDbContext())
        {
            // A write that fails at the database after the rename and the attribute were already written in this request.
            await db.Database.ExecuteSqlRawAsync("CREATE TRIGGER test_fail_base_url BEFORE UPDATE OF BaseUrl ON Connections " +
                                                 "WHEN NEW.BaseUrl = 'https://fail.example' BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
        }

        try
        {
            var response = await PutAsync(client, "Api Atomic", new JObject
            {
                ["name"] = "Api Atomic Renamed",
                ["description"] = "must not be saved",
                ["attributes"] = new JObject { ["CreateAccountJSON"] = CreateAccountJson.Replace("call1", "call-renamed") },
                ["baseUrl"] = "https://fail.example",
            });

            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Contains("Nothing was stored", await response.Content.ReadAsStringAsync());
        }
        finally
        {
            await using var db = factory.CreateDbContext();
            await db.Database.ExecuteSqlRawAsync("DROP TRIGGER test_fail_base_url;");
        }

        Assert.Equal(before, await DumpAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/connections/Api%20Atomic")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/connections/Api%20Atomic%20Renamed")).StatusCode);
    }

    [Fact]
    public async Task Put_UnknownAttributeName_Refused()
    {
        var client = await ApiClientAsync();

        var response = await PutAsync(client, "Api Unknown", new JObject { ["attributes"] = new JObject { ["CreateAcountJSON"] = "{}" } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("CreateAcountJSON: not a connection attribute", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Get_WithCookieInsteadOfToken_Unauthorized()
    {
        var client = await SignedInClient.CreateAsync(factory, "admin", PortalFactory.AdminPassword);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/connections/anything")).StatusCode);
    }

    [Fact]
    public async Task Evaluate_TemplateWithUser_AnswersTheRenderedText()
    {
        var client = await ApiClientAsync();

        var response = await client.PostAsync("/api/expressions/evaluate", Json(new JObject { ["template"] = "login-${user.username.toUpperCase()}", ["user"] = "admin" }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("login-ADMIN", (string?)JObject.Parse(await response.Content.ReadAsStringAsync())["result"]);
    }

    [Fact]
    public async Task Evaluate_PastedRecord_BoundAsResponseAndTopLevelFields()
    {
        var client = await ApiClientAsync();

        var response = await client.PostAsync("/api/expressions/evaluate", Json(new JObject
        {
            ["template"] = "${response.name.givenName} ${LOGONNAME + '@x.com'}",
            ["record"] = new JObject { ["name"] = new JObject { ["givenName"] = "Ada" }, ["LOGONNAME"] = "ada" },
        }));

        Assert.Equal("Ada ada@x.com", (string?)JObject.Parse(await response.Content.ReadAsStringAsync())["result"]);
    }

    [Fact]
    public async Task Evaluate_SyntaxError_AnswersErrorWithPositionInTheTemplate()
    {
        var client = await ApiClientAsync();

        var response = await client.PostAsync("/api/expressions/evaluate", Json(new JObject { ["template"] = "abc ${user.username +} def", ["user"] = "admin" }));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var body = JObject.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrEmpty((string?)body["error"]));
        var position = (int)body["position"]!;
        Assert.InRange(position, 7, 23);
        Assert.Equal(1, (int)body["line"]!);
    }
}
