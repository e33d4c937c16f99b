using AdminPortal.Core.Connectors;
using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Connectors.Provisioning;
using AdminPortal.Core.Domain;
using AdminPortal.Core.Tests.Connectors.Import;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Tests.Connectors.Provisioning;

/// <summary>The provisioning engine over real HTTP on loopback (Kestrel fixture server).</summary>
public class ProvisioningEngineTests
{
    private static Task<FixtureServer> Echo() => FixtureServer.StartAsync((ctx, req) =>
        Fx.Json(ctx, new JObject { ["method"] = req.Method, ["path"] = req.PathAndQuery, ["body"] = req.Body, ["auth"] = req.Header("Authorization") }.ToString(), req.Method == "POST" ? 201 : 200));

    // ------------------------------------------------------------------ bindings (§6.5)

    [Fact]
    public async Task EveryBindingVariable_IsAvailableToTemplates()
    {
        await using var srv = await Echo();
        // object httpParams: every leaf rendered, values inserted structurally
        var body = new JObject
        {
            ["user"] = "${user.firstname} ${user.LASTNAME}",
            ["account"] = "${account.accountID}/${account.name}",
            ["userAccount"] = "${userAccount.customproperty1}",
            ["accountName"] = "${accountName}",
            ["ent"] = "${entitlementValue.entitlementID}:${entitlementValue.entitlement_value}",
            ["password"] = "${password}",
            ["reqAttrs"] = "${requestAccessAttributes.RoleType}/${reqAttrs.RoleType}",
            ["task"] = "${task.taskkey}/${task.source}/${task.endpoint.endpointname}/${task.provisioningcomments}",
            ["arsTasks"] = "${arsTasks.taskid}",
            ["endpoint"] = "${endpoint.endpointname}/${endpoints.customproperty5}",
            ["manager"] = "${userManager.systemUserName}",
            ["managerAccount"] = "${managerAccount.accountID}",
            ["connection"] = "${connection.apikey}",
            ["justification"] = "${businessJustification}",
            ["requestid"] = "${requestid}",
            ["approvers"] = "${approvers.collect { it.username }.join(',')}",
            ["token"] = "${access_token}",
            ["linkRow"] = "${account_entitlements.uuid}",
            ["owners"] = "${ServiceAccountOwnerMap.size()}",
            ["random"] = "${randomPassword}",
            ["hired"] = "${user.startdate}",
            ["groups"] = "${user.groups.join('|')}",
            ["child"] = "${childresponse == null}",
        };
        var call = new JObject
        {
            ["name"] = "call1", ["connection"] = "acctAuth", ["url"] = srv.BaseUrl + "/bind", ["httpMethod"] = "POST",
            ["httpParams"] = body, ["httpHeaders"] = new JObject { ["Authorization"] = "${access_token}" }, ["httpContentType"] = "application/json",
        };
        var conn = Prov.Connection(srv, Engine.StaticToken(extra: ",\"apikey\":\"k-123\""), ("UpdateAccountJSON", "{\"call\":[" + call.ToString(Formatting.None) + "]}"));
        var request = new ProvisioningRequest
        {
            Operation = ProvisioningTaskType.UpdateAccount,
            TaskId = 41,
            RequestId = 7,
            User = Prov.Map(("firstname", "Jane"), ("lastname", "Doe"), ("startdate", new DateTime(2026, 3, 1, 8, 30, 0, DateTimeKind.Utc)), ("groups", new[] { "g1", "g2" })),
            Account = Prov.Map(("accountID", "a-1"), ("name", "jdoe"), ("customproperty1", "cp1")),
            AccountName = "jdoe",
            EntitlementValue = Prov.Map(("entitlementID", "g-1"), ("entitlement_value", "Admins")),
            Password = "S3cret!pw",
            RequestAttributes = Prov.Map(("RoleType", "viewer")),
            Endpoint = Prov.Map(("endpointname", "ep1"), ("customproperty5", "e5")),
            UserManager = Prov.Map(("systemUserName", "boss")),
            ManagerAccount = Prov.Map(("accountID", "m-1")),
            BusinessJustification = "needs access",
            Approvers = [Prov.Map(("username", "ann")), Prov.Map(("username", "bob"))],
            TaskAttributes = Prov.Map(("provisioningcomments", "note")),
            AccountEntitlement = Prov.Map(("uuid", "link-9")),
        };
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunProvisioningAsync(conn, request);
        Assert.True(r.Success, r.Error);
        var sent = JsonConvert.DeserializeObject<JObject>(srv.Requests.Single().Body, new JsonSerializerSettings { DateParseHandling = DateParseHandling.None })!;
        Assert.Equal("Jane Doe", (string?)sent["user"]);
        Assert.Equal("a-1/jdoe", (string?)sent["account"]);
        Assert.Equal("cp1", (string?)sent["userAccount"]);
        Assert.Equal("jdoe", (string?)sent["accountName"]);
        Assert.Equal("g-1:Admins", (string?)sent["ent"]);
        Assert.Equal("S3cret!pw", (string?)sent["password"]);
        Assert.Equal("viewer/viewer", (string?)sent["reqAttrs"]);
        Assert.Equal("41/REQUEST/ep1/note", (string?)sent["task"]);
        Assert.Equal("41", (string?)sent["arsTasks"]);
        Assert.Equal("ep1/e5", (string?)sent["endpoint"]);
        Assert.Equal("boss", (string?)sent["manager"]);
        Assert.Equal("m-1", (string?)sent["managerAccount"]);
        Assert.Equal("k-123", (string?)sent["connection"]);
        Assert.Equal("needs access", (string?)sent["justification"]);
        Assert.Equal("7", (string?)sent["requestid"]);
        Assert.Equal("ann,bob", (string?)sent["approvers"]);
        Assert.Equal("Bearer static-token-123", (string?)sent["token"]);
        Assert.Equal("link-9", (string?)sent["linkRow"]);
        Assert.Equal(0, (int)sent["owners"]!);
        Assert.Equal("S3cret!pw", (string?)sent["random"]);
        Assert.Equal("2026-03-01T08:30:00Z", (string?)sent["hired"]);
        Assert.Equal("g1|g2", (string?)sent["groups"]);
        Assert.True((bool)sent["child"]!);
        // the password is masked in the recorded exchange
        Assert.DoesNotContain("S3cret!pw", JsonConvert.SerializeObject(r.Exchanges));
    }

    [Fact]
    public async Task AccountName_ComesFromTheAccountNameRule_AndMissingAccountRendersEmptyOnCreate()
    {
        await using var srv = await Echo();
        var json = Prov.Calls("\"accountIdPath\":\"accountName\"", Prov.Call("call1", "POST", "BASE/users", """{"login":"${accountName}","existing":"${account.accountID}"}"""));
        var (engine, _, _) = Engine.Create();
        var req = Prov.Request(ProvisioningTaskType.CreateAccount) ;
        req = new ProvisioningRequest { Operation = req.Operation, User = req.User, AccountNameRule = "${user.firstname.toLowerCase()}.${user.lastname.toLowerCase()}" };
        var r = await engine.RunProvisioningAsync(Prov.Connection(srv, null, ("CreateAccountJSON", json)), req);
        Assert.True(r.Success, r.Error);
        Assert.Equal("""{"login":"jane.doe","existing":""}""", srv.Requests.Single().Body);
        Assert.Equal("jane.doe", r.AccountId);

        // a bare expression rule works too
        var r2 = await engine.RunProvisioningAsync(Prov.Connection(srv, null, ("CreateAccountJSON", json)),
            new ProvisioningRequest { Operation = ProvisioningTaskType.CreateAccount, User = req.User, AccountNameRule = "user.username" });
        Assert.Equal("jdoe", r2.AccountId);
    }

    // ------------------------------------------------------------------ chaining, name<n>, callCondition, callListPath

    [Fact]
    public async Task LaterCalls_ReadEarlierResponses_ByNameAndByOccurrence()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Path(req) switch
        {
            "/members" => Fx.Json(ctx, """{"items":[{"id":"m-1","group":"g-1"},{"id":"m-2","group":"g-2"}]}"""),
            _ => Fx.Json(ctx, "{}", 204),
        });
        // RemoveAccess pattern: GET memberships, then DELETE using a loop over response.Group1
        var json = Prov.Calls("",
            Prov.Call("Group", "GET", "BASE/members"),
            Prov.Call("Group", "DELETE", "BASE/members/${for (Map m : response.Group1.message.items) { if (m.group == entitlementValue.entitlementID) { return m.id; } }}?last=${response.Group.message.items[0].id}&status=${response.Group1.statusCode}"),
            Prov.Call("Other", "DELETE", "BASE/never"));
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunProvisioningAsync(Prov.Connection(srv, null, ("RemoveAccessJSON", json)),
            Prov.Request(ProvisioningTaskType.RemoveAccess, "Group", account: Prov.Map(("accountID", "a-1")), ent: Prov.Map(("entitlementID", "g-2"))));
        Assert.True(r.Success, r.Error);
        Assert.Equal(["GET /members", "DELETE /members/m-2?last=m-1&status=200"], srv.Requests.Select(q => q.Method + " " + q.PathAndQuery));
        Assert.Equal(2, r.Calls.Count);
    }

    [Fact]
    public async Task SecondOccurrence_IsReachableAsName2_AndDeclaredNamesAreNotOverwritten()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Json(ctx, new JObject { ["n"] = Fx.Path(req) }.ToString()));
        var json = Prov.Calls("",
            Prov.Call("call1", "POST", "BASE/a"),
            Prov.Call("call1", "POST", "BASE/b"),
            Prov.Call("call2", "POST", "BASE/c?first=${response.call11.message.n}&second=${response.call12.message.n}&last=${response.call1.message.n}"));
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunProvisioningAsync(Prov.Connection(srv, null, ("UpdateAccountJSON", json)), Prov.Request(ProvisioningTaskType.UpdateAccount));
        Assert.True(r.Success, r.Error);
        Assert.Equal("/c?first=/a&second=/b&last=/b", srv.Requests.Last().PathAndQuery);

        var reg = new ResponseRegistry(["Group", "Group1"]);
        reg.Register("Group", new JObject { ["message"] = "first" });
        reg.Register("Group1", new JObject { ["message"] = "declared" });
        Assert.Equal("declared", (string?)reg.Root["Group1"]!["message"]);
        Assert.Equal("first", (string?)reg.Root["Group"]!["message"]);
    }

    [Fact]
    public async Task CallCondition_SkipsTheCallWhenFalse()
    {
        await using var srv = await Echo();
        var json = Prov.Calls("",
            Prov.Call("call1", "POST", "BASE/always"),
            Prov.Call("call2", "POST", "BASE/skipped", null, ""","callCondition":"${user.country == 'US'}" """),
            Prov.Call("call3", "POST", "BASE/taken", null, ""","callCondition":"${response.call1.statusCode == 201 && user.country != 'US'}" """),
            Prov.Call("call4", "POST", "BASE/bare", null, ""","callCondition":"false" """));
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunProvisioningAsync(Prov.Connection(srv, null, ("UpdateAccountJSON", json)),
            Prov.Request(ProvisioningTaskType.UpdateAccount, user: Prov.Map(("country", "DE"))));
        Assert.True(r.Success, r.Error);
        Assert.Equal(["/always", "/taken"], srv.Requests.Select(q => q.PathAndQuery));
        Assert.Equal([false, true, false, true], r.Calls.Select(c => c.Skipped));
    }

    [Theory]
    [InlineData("callCondition", "${user.country ==}")]
    [InlineData("callListPath", "${response.call1.(}")]
    public async Task BrokenConditionOrListPath_NamesTheFieldAndExpression(string field, string expression)
    {
        await using var srv = await Echo();
        var extra = "," + new JProperty(field, expression).ToString(Formatting.None);
        var json = Prov.Calls("", Prov.Call("call1", "POST", "BASE/a"), Prov.Call("call2", "POST", "BASE/b", null, extra));
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunProvisioningAsync(Prov.Connection(srv, null, ("UpdateAccountJSON", json)), Prov.Request(ProvisioningTaskType.UpdateAccount));
        Assert.False(r.Success);
        Assert.True(r.AnyCallSent);
        Assert.StartsWith($"UpdateAccountJSON call 'call2': {field}: Syntax", r.Error, StringComparison.Ordinal);
        Assert.Contains(expression[2..^1], r.Error, StringComparison.Ordinal);
        Assert.Equal(["/a"], srv.Requests.Select(q => q.PathAndQuery));
    }

    [Fact]
    public async Task CallListPath_RunsTheCallOncePerElement_WithChildresponse()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Path(req) == "/roles"
            ? Fx.Json(ctx, """{"items":[{"id":"r1","name":"One"},{"id":"r2","name":"Two"},{"id":"r3","name":"Three"}]}""")
            : Fx.Json(ctx, "{}", 204));
        var json = Prov.Calls("",
            Prov.Call("call1", "GET", "BASE/roles"),
            Prov.Call("call2", "DELETE", "BASE/roles/${childresponse.id}", """{"name":"${childresponse.name}"}""", ""","callListPath":"response.call1.message.items" """),
            Prov.Call("call3", "DELETE", "BASE/none/${childresponse.id}", null, ""","callListPath":"${response.call1.message.missing}" """));
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunProvisioningAsync(Prov.Connection(srv, null, ("RemoveAccountJSON", json)), Prov.Request(ProvisioningTaskType.RemoveAccount));
        Assert.True(r.Success, r.Error);
        Assert.Equal(["GET /roles", "DELETE /roles/r1", "DELETE /roles/r2", "DELETE /roles/r3"], srv.Requests.Select(q => q.Method + " " + q.PathAndQuery));
        Assert.Equal("""{"name":"Two"}""", srv.Requests.ElementAt(2).Body);
        Assert.True(r.Calls.Last().Skipped);
    }

    [Fact]
    public async Task AccessCalls_AreSelectedByEntitlementType_AndOtherTypesAreNotConfigured()
    {
        await using var srv = await Echo();
        var json = Prov.Calls("",
            Prov.Call("Group", "POST", "BASE/groups/${entitlementValue.entitlementID}/members", """{"value":"${account.accountID}"}"""),
            Prov.Call("Role", "POST", "BASE/roles/${entitlementValue.entitlementID}/members"));
        var conn = Prov.Connection(srv, null, ("AddAccessJSON", json));
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunProvisioningAsync(conn, Prov.Request(ProvisioningTaskType.AddAccess, "Role", account: Prov.Map(("accountID", "a-1")), ent: Prov.Map(("entitlementID", "r-9"))));
        Assert.True(r.Success, r.Error);
        Assert.Equal(["/roles/r-9/members"], srv.Requests.Select(q => q.PathAndQuery));

        var none = await engine.RunProvisioningAsync(conn, Prov.Request(ProvisioningTaskType.AddAccess, "License", account: Prov.Map(("accountID", "a-1")), ent: Prov.Map(("entitlementID", "l"))));
        Assert.False(none.Success);
        Assert.True(none.NotConfigured);
        Assert.False(none.AnyCallSent);
        Assert.Single(srv.Requests);

        var missing = await engine.RunProvisioningAsync(conn, Prov.Request(ProvisioningTaskType.DisableAccount));
        Assert.True(missing.NotConfigured);
        Assert.Contains("DisableAccountJSON", missing.Error, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------------ bodies, methods, escaping

    [Fact]
    public async Task QuoteInAName_IsJsonEscapedInAStringBody()
    {
        await using var srv = await Echo();
        var json = Prov.Calls("", Prov.Call("call1", "POST", "BASE/users", """{"lastName":"${user.lastname}","note":"a \"literal\" stays"}"""));
        var req = Prov.Request(ProvisioningTaskType.CreateAccount, user: Prov.Map(("lastname", "O\"Neil \\ x")));
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunProvisioningAsync(Prov.Connection(srv, null, ("CreateAccountJSON", json)), req);
        Assert.True(r.Success, r.Error);
        var sent = JObject.Parse(srv.Requests.Single().Body);
        Assert.Equal("O\"Neil \\ x", (string?)sent["lastName"]);
        Assert.Equal("a \"literal\" stays", (string?)sent["note"]);

        // Saviynt's behaviour (verbatim insertion) breaks the body
        var verbatim = new ConnectorEngine(new ConnectorEngineOptions { HttpClientFactory = () => new HttpClient(), JsonEscapeBodyValues = false });
        await verbatim.RunProvisioningAsync(Prov.Connection(srv, null, ("CreateAccountJSON", json)), req);
        Assert.ThrowsAny<JsonException>(() => JObject.Parse(srv.Requests.Last().Body));
    }

    [Fact]
    public async Task MethodTemplates_ObjectParams_FormParams_AndDeleteWithBody()
    {
        await using var srv = await Echo();
        var form = new JObject
        {
            ["name"] = "f", ["connection"] = "acctAuth", ["url"] = srv.BaseUrl + "/form", ["httpMethod"] = "post",
            ["httpParams"] = new JObject { ["user"] = "${user.username}", ["full name"] = "${user.firstname} ${user.lastname}" },
            ["httpContentType"] = "application/x-www-form-urlencoded",
        };
        var json = Prov.Calls("",
            Prov.Call("m", "${account == null ? 'POST' : 'PATCH'}", "BASE/m"),
            form.ToString(Formatting.None),
            Prov.Call("d", "DELETEWITHBODY", "BASE/teams/1/agents", """{"agents":[{"agentId": ${account.accountID}}]}"""));
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunProvisioningAsync(Prov.Connection(srv, null, ("UpdateAccountJSON", json)),
            Prov.Request(ProvisioningTaskType.UpdateAccount, account: Prov.Map(("accountID", 123L))));
        Assert.True(r.Success, r.Error);
        var q = srv.Requests.ToList();
        Assert.Equal("PATCH", q[0].Method);
        Assert.Equal("POST", q[1].Method);
        Assert.Equal("user=jdoe&full%20name=Jane%20Doe", q[1].Body);
        Assert.Equal("DELETE", q[2].Method);
        Assert.Equal(123, (int)JObject.Parse(q[2].Body)["agents"]![0]!["agentId"]!);
    }

    // ------------------------------------------------------------------ results

    [Fact]
    public async Task AccountIdPath_AndResponseColsToPropsMap_AreReadFromTheResponses()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Path(req) == "/users"
            ? Fx.Json(ctx, """{"message":{"id":"u-77","status":3,"created":"2024-05-01T10:00:00+02:00"}}""", 201)
            : Fx.Json(ctx, """{"role":"viewer"}"""));
        var json = Prov.Calls(""" "accountIdPath":"call1.message.message.id","responseColsToPropsMap":{"customproperty2":"call1.message.message.status~#~int","customproperty3":"response.call2.message.role","customproperty4":"call1.message.message.created~#~date","customproperty5":"call1.statusCode"} """,
            Prov.Call("call1", "POST", "BASE/users", """{"login":"${user.username}"}"""),
            Prov.Call("call2", "POST", "BASE/users/${response.call1.message.message.id}/roles"));
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunProvisioningAsync(Prov.Connection(srv, null, ("CreateAccountJSON", json)), Prov.Request(ProvisioningTaskType.CreateAccount));
        Assert.True(r.Success, r.Error);
        Assert.Equal("u-77", r.AccountId);
        Assert.Equal("/users/u-77/roles", srv.Requests.Last().PathAndQuery);
        Assert.Equal("3", r.AccountProperties["customproperty2"]);
        Assert.Equal("viewer", r.AccountProperties["customproperty3"]);
        Assert.Equal("2024-05-01T08:00:00Z", r.AccountProperties["customproperty4"]);
        Assert.Equal("201", r.AccountProperties["customproperty5"]);
    }

    [Fact]
    public async Task CreateWhoseIdCannotBeRead_FailsWithoutRetry_OtherOperationsOnlyWarn()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Json(ctx, """{"result":"queued"}""", 201));
        var json = Prov.Calls("\"accountIdPath\":\"call1.message.id\"", Prov.Call("call1", "POST", "BASE/users", "{}"));
        var (engine, _, _) = Engine.Create();
        var create = await engine.RunProvisioningAsync(Prov.Connection(srv, null, ("CreateAccountJSON", json)), Prov.Request(ProvisioningTaskType.CreateAccount));
        Assert.False(create.Success, create.AccountId + " | " + string.Join(";", create.Warnings) + " | " + JsonConvert.SerializeObject(create.Calls));
        Assert.False(create.Retryable);
        Assert.True(create.AnyCallSent);
        Assert.Equal("CreateAccountJSON: accountIdPath found no value", create.ErrorSignature);
        var enable = await engine.RunProvisioningAsync(Prov.Connection(srv, null, ("EnableAccountJSON", json)), Prov.Request(ProvisioningTaskType.EnableAccount));
        Assert.True(enable.Success, enable.Error);
        Assert.Contains(enable.Warnings, w => w.Contains("accountIdPath", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Http200WithErrorBody_FailsTheTask_AndStopsTheChain()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Json(ctx, """{"agentResults":[{"success":false,"error":"Invalid team"}]}"""));
        var json = Prov.Calls("\"accountIdPath\":\"call1.message.agentResults[0].agentId\"",
            Prov.Call("call1", "POST", "BASE/agents", "{}", ""","successResponses":{"statusCode":[200],"agentResults[0].success":"true"}"""),
            Prov.Call("call2", "POST", "BASE/after"));
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunProvisioningAsync(Prov.Connection(srv, null, ("CreateAccountJSON", json)), Prov.Request(ProvisioningTaskType.CreateAccount));
        Assert.False(r.Success);
        Assert.False(r.Retryable);
        Assert.True(r.AnyCallSent);
        Assert.Null(r.AccountId);
        Assert.Contains("agentResults[0].success = 'false'", r.Error, StringComparison.Ordinal);
        Assert.Equal("CreateAccountJSON call1: HTTP 200 POST /agents (response criteria)", r.ErrorSignature);
        Assert.Single(srv.Requests);
    }

    [Fact]
    public async Task ServerErrors_AreRetryable_WithRetryAfter_AndAStableSignature()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) =>
        {
            ctx.Response.Headers["Retry-After"] = "120";
            return Fx.Json(ctx, """{"message":"maintenance, token=Bearer static-token-123"}""", 503);
        });
        var json = Prov.Calls("", Prov.Call("call1", "DELETE", "BASE/iam/v2/service-accounts/${account.accountID}"));
        var (engine, _, _) = Engine.Create(resilience: new ResilienceSettings { MaxRetryAttempts = 1, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), BreakerMinimumThroughput = 1000 });
        var r = await engine.RunProvisioningAsync(Prov.Connection(srv, null, ("RemoveAccountJSON", json)), Prov.Request(ProvisioningTaskType.RemoveAccount, account: Prov.Map(("accountID", "sa-123"))));
        Assert.False(r.Success);
        Assert.True(r.Retryable);
        Assert.Equal(TimeSpan.FromSeconds(120), r.RetryAfter);
        Assert.True(r.AnyCallSent);
        Assert.Equal("RemoveAccountJSON call1: HTTP 503 DELETE /iam/v2/service-accounts/{}", r.ErrorSignature);
        Assert.DoesNotContain("static-token-123", r.Error, StringComparison.Ordinal);
        Assert.Contains("HTTP 503", r.Error, StringComparison.Ordinal);
        Assert.Equal(2, srv.Requests.Count); // the resilience handler retried once inside the call
    }

    [Fact]
    public async Task ClientErrors_AreNotRetryable()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Json(ctx, """{"message":"already exists"}""", 409));
        var json = Prov.Calls("", Prov.Call("call1", "POST", "BASE/users", "{}", ""","successResponses":{"statusCode":[200,201]},"unsuccessResponses":{"statusCode":[409]}"""));
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunProvisioningAsync(Prov.Connection(srv, null, ("CreateAccountJSON", json)), Prov.Request(ProvisioningTaskType.CreateAccount));
        Assert.False(r.Success);
        Assert.False(r.Retryable);
        Assert.Null(r.RetryAfter);
        Assert.Contains("unsuccessResponses", r.Error, StringComparison.Ordinal);
        Assert.Equal("CreateAccountJSON call1: HTTP 409 POST /users", r.ErrorSignature);
    }

    [Fact]
    public async Task TransportErrors_AreRetryable()
    {
        string deadBase;
        await using (var srv = await Echo()) deadBase = srv.BaseUrl;
        var conn = ConnectorConnection.FromAttributes(new Dictionary<string, string?>
        {
            ["ConnectionJSON"] = Engine.StaticToken(),
            ["createaccountjson"] = Prov.Calls("", Prov.Call("call1", "POST", deadBase + "/users", "{}")),
        });
        var (engine, _, _) = Engine.Create(resilience: new ResilienceSettings { MaxRetryAttempts = 1, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), BreakerMinimumThroughput = 1000 });
        var r = await engine.RunProvisioningAsync(conn, Prov.Request(ProvisioningTaskType.CreateAccount));
        Assert.False(r.Success);
        Assert.True(r.Retryable);
        Assert.True(r.AnyCallSent);
        Assert.Equal("CreateAccountJSON call1: transport error POST /users", r.ErrorSignature);
    }

    [Fact]
    public async Task RelativeUrlWithoutBaseUrl_IsNotRetryable_AndNothingIsSent()
    {
        await using var srv = await Echo();
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunProvisioningAsync(Prov.Connection(srv, null, ("RemoveAccountJSON", Prov.Calls("", Prov.Call("call1", "DELETE", "/api/v4/users/${account.accountID}")))),
            Prov.Request(ProvisioningTaskType.RemoveAccount, account: Prov.Map(("accountID", "u1"))));
        Assert.False(r.Success);
        Assert.False(r.Retryable);
        Assert.False(r.AnyCallSent);
        Assert.Contains("no base URL", r.Error, StringComparison.Ordinal);
        Assert.Equal("RemoveAccountJSON call1: invalid request DELETE /api/v4/users/{}", r.ErrorSignature);

        // with the engine's BaseUrl the same JSON works
        var (withBase, _, _) = Engine.Create(baseUrl: srv.BaseUrl);
        var ok = await withBase.RunProvisioningAsync(Prov.Connection(srv, null, ("RemoveAccountJSON", Prov.Calls("", Prov.Call("call1", "DELETE", "/api/v4/users/${account.accountID}")))),
            Prov.Request(ProvisioningTaskType.RemoveAccount, account: Prov.Map(("accountID", "u1"))));
        Assert.True(ok.Success, ok.Error);
        Assert.Equal("/api/v4/users/u1", srv.Requests.Single().PathAndQuery);
    }

    [Fact]
    public async Task BadTemplate_FailsWithTheExpressionAndPosition_BeforeAnythingIsSent()
    {
        await using var srv = await Echo();
        var json = Prov.Calls("", Prov.Call("call1", "POST", "BASE/users", """{"x":"${user.username.(}"}"""));
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunProvisioningAsync(Prov.Connection(srv, null, ("CreateAccountJSON", json)), Prov.Request(ProvisioningTaskType.CreateAccount));
        Assert.False(r.Success);
        Assert.False(r.Retryable);
        Assert.False(r.AnyCallSent);
        Assert.Contains("user.username.(", r.Error, StringComparison.Ordinal);
        Assert.Contains("column", r.Error, StringComparison.Ordinal);
        Assert.StartsWith("CreateAccountJSON call1: template error", r.ErrorSignature, StringComparison.Ordinal);
        Assert.Empty(srv.Requests);

        var typo = Prov.Calls("", Prov.Call("call1", "POST", "BASE/users", """{"x":"${usr.username}"}"""));
        var r2 = await engine.RunProvisioningAsync(Prov.Connection(srv, null, ("CreateAccountJSON", typo)), Prov.Request(ProvisioningTaskType.CreateAccount));
        Assert.Contains("UnknownVariable", r2.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedJsonOrUnknownProfile_IsAConfigurationError_NotAnException()
    {
        await using var srv = await Echo();
        var (engine, _, _) = Engine.Create();
        var bad = await engine.RunProvisioningAsync(Prov.Connection(srv, null, ("CreateAccountJSON", "{\"call\":[{\"name\":\"x\"")), Prov.Request(ProvisioningTaskType.CreateAccount));
        Assert.False(bad.Success);
        Assert.StartsWith("configuration: CreateAccountJSON", bad.Error, StringComparison.Ordinal);
        var json = Prov.Calls("", Prov.Call("call1", "POST", "BASE/users").Replace("acctAuth", "nope", StringComparison.Ordinal));
        var unknown = await engine.RunProvisioningAsync(Prov.Connection(srv, null, ("CreateAccountJSON", json)), Prov.Request(ProvisioningTaskType.CreateAccount));
        Assert.Contains("'nope' is not defined", unknown.Error, StringComparison.Ordinal);
        Assert.Equal("CreateAccountJSON: configuration error", unknown.ErrorSignature);
    }

    [Fact]
    public async Task PlaceholdersAreSubstituted_InProvisioningAttributes()
    {
        await using var srv = await Echo();
        var conn = ConnectorConnection.FromAttributes(new Dictionary<string, string?>
        {
            ["ConnectionJSON"] = Engine.StaticToken(),
            ["ChangePassJSON"] = Prov.Calls("", Prov.Call("call1", "PUT", "@HOST_URL@/corps/@@CORP@@/users/${account.accountID}/password", """{"pwd":"${password}"}""")),
        }, new Dictionary<string, string> { ["@HOST_URL@"] = srv.BaseUrl, ["@@CORP@@"] = "acme" });
        var (engine, _, _) = Engine.Create();
        var req = new ProvisioningRequest { Operation = ProvisioningTaskType.ChangePassword, Account = Prov.Map(("accountID", "a1")), Password = "N3w-pass" };
        var r = await engine.RunProvisioningAsync(conn, req);
        Assert.True(r.Success, r.Error);
        Assert.Equal("/corps/acme/users/a1/password", srv.Requests.Single().PathAndQuery);
        Assert.Equal("""{"pwd":"N3w-pass"}""", srv.Requests.Single().Body);
    }

    // ------------------------------------------------------------------ auth

    [Fact]
    public async Task ExpiredToken_IsRefreshed_AndTheCallRetried_AndWrittenBack()
    {
        int tokens = 0;
        await using var srv = await FixtureServer.StartAsync(async (ctx, req) =>
        {
            if (Fx.Path(req) == "/token") { tokens++; await Fx.Json(ctx, $$"""{"access_token":"fresh-{{tokens}}","expires_in":3600}"""); return; }
            if (req.Header("Authorization") != "Bearer fresh-1") { await Fx.Json(ctx, """{"error":{"code":"InvalidAuthenticationToken"}}""", 401); return; }
            await Fx.Json(ctx, """{"id":"new-1"}""", 201);
        });
        var profile = new JObject
        {
            ["authType"] = "oauth2", ["url"] = srv.BaseUrl + "/token", ["httpMethod"] = "POST", ["httpContentType"] = "application/x-www-form-urlencoded",
            ["httpParams"] = new JObject { ["grant_type"] = "client_credentials", ["client_secret"] = "cs-very-secret" },
            ["retryFailureStatusCode"] = new JArray(401), ["maxRefreshTryCount"] = 1, ["tokenResponsePath"] = "access_token", ["tokenType"] = "Bearer",
            ["accessToken"] = "Bearer expired-token",
        };
        var conn = new JObject { ["authentications"] = new JObject { ["acctAuth"] = profile } }.ToString();
        var json = Prov.Calls("\"accountIdPath\":\"call1.message.id\"", Prov.Call("call1", "POST", "BASE/users", """{"u":"${user.username}"}"""));
        var (engine, rec, written) = Engine.Create();
        var r = await engine.RunProvisioningAsync(Prov.Connection(srv, conn, ("CreateAccountJSON", json)), Prov.Request(ProvisioningTaskType.CreateAccount));
        Assert.True(r.Success, r.Error);
        Assert.Equal("new-1", r.AccountId);
        Assert.Equal(["POST /users", "POST /token", "POST /users"], srv.Requests.Select(q => q.Method + " " + Fx.Path(q)));
        Assert.Equal("Bearer fresh-1", written.Single().AccessToken);
        Assert.Contains(r.Exchanges, e => e.Purpose.Contains("retry 1 after token refresh", StringComparison.Ordinal));
        Assert.Equal(3, rec.Exchanges.Count);
        var all = JsonConvert.SerializeObject(r.Exchanges);
        Assert.DoesNotContain("fresh-1", all);
        Assert.DoesNotContain("cs-very-secret", all);
    }

    [Fact]
    public async Task StillUnauthorisedAfterRefresh_FailsWithoutRetry_AndSaysSo()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Path(req) == "/token"
            ? Fx.Json(ctx, """{"access_token":"t"}""")
            : Fx.Json(ctx, """{"error":"forbidden"}""", 401));
        var profile = new JObject
        {
            ["authType"] = "oauth2", ["url"] = srv.BaseUrl + "/token", ["httpMethod"] = "POST", ["httpParams"] = new JObject(),
            ["retryFailureStatusCode"] = new JArray(401), ["maxRefreshTryCount"] = 2, ["tokenResponsePath"] = "access_token", ["tokenType"] = "Bearer", ["accessToken"] = "Bearer old",
        };
        var conn = new JObject { ["authentications"] = new JObject { ["acctAuth"] = profile } }.ToString();
        var (engine, _, written) = Engine.Create();
        var r = await engine.RunProvisioningAsync(Prov.Connection(srv, conn, ("EnableAccountJSON", Prov.Calls("", Prov.Call("call1", "PUT", "BASE/users/1")))), Prov.Request(ProvisioningTaskType.EnableAccount));
        Assert.False(r.Success);
        Assert.False(r.Retryable);
        Assert.True(r.AnyCallSent);
        Assert.Contains("authentication still failing after token refresh", r.Error, StringComparison.Ordinal);
        Assert.Equal(5, srv.Requests.Count); // call, token, call, token, call
        Assert.Equal(2, written.Count);
    }

    [Fact]
    public async Task Session_SharesTheTokenAcrossTasks_AndKeepsEachTasksExchanges()
    {
        int tokenCalls = 0;
        await using var srv = await FixtureServer.StartAsync(async (ctx, req) =>
        {
            if (Fx.Path(req) == "/token") { Interlocked.Increment(ref tokenCalls); await Fx.Json(ctx, """{"access_token":"shared","expires_in":3600}"""); return; }
            await Task.Delay(20);
            await Fx.Json(ctx, req.Header("Authorization") == "Bearer shared" ? """{"ok":true}""" : """{"error":"no"}""", req.Header("Authorization") == "Bearer shared" ? 200 : 401);
        });
        var profile = new JObject
        {
            ["authType"] = "oauth2", ["url"] = srv.BaseUrl + "/token", ["httpMethod"] = "POST", ["httpParams"] = new JObject(),
            ["retryFailureStatusCode"] = new JArray(401), ["tokenResponsePath"] = "access_token", ["tokenType"] = "Bearer",
        };
        var conn = Prov.Connection(srv, new JObject { ["authentications"] = new JObject { ["acctAuth"] = profile } }.ToString(),
            ("EnableAccountJSON", Prov.Calls("", Prov.Call("call1", "PUT", "BASE/users/${account.accountID}/enable"))));
        var (engine, hostRecorder, written) = Engine.Create();
        var session = engine.OpenProvisioningSession(conn);
        var first = await session.RunAsync(Prov.Request(ProvisioningTaskType.EnableAccount, account: Prov.Map(("accountID", "u0"))));
        Assert.True(first.Success, first.Error);
        var parallel = await Task.WhenAll(Enumerable.Range(1, 4).Select(i =>
            session.RunAsync(Prov.Request(ProvisioningTaskType.EnableAccount, account: Prov.Map(("accountID", "u" + i))))));
        Assert.All(parallel, r => Assert.True(r.Success, r.Error));
        Assert.Equal(1, tokenCalls);
        Assert.Single(written);
        Assert.Equal(["token call acctAuth", "EnableAccountJSON.call1"], first.Exchanges.Select(e => e.Purpose));
        for (int i = 1; i <= 4; i++) Assert.Equal($"/users/u{i}/enable", new Uri(parallel[i - 1].Exchanges.Single().Url).AbsolutePath);
        Assert.Equal(6, hostRecorder.Exchanges.Count);

        // a one-off run starts from the ConnectionJSON again
        var alone = await engine.RunProvisioningAsync(conn, Prov.Request(ProvisioningTaskType.EnableAccount, account: Prov.Map(("accountID", "u9"))));
        Assert.True(alone.Success, alone.Error);
        Assert.Equal(2, tokenCalls);
    }

    [Fact]
    public async Task TokenCallFailure_IsAnAuthenticationError()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Json(ctx, """{"error":"invalid_client"}""", 400));
        var profile = new JObject
        {
            ["authType"] = "oauth2", ["url"] = srv.BaseUrl + "/token", ["httpMethod"] = "POST", ["httpParams"] = new JObject(),
            ["retryFailureStatusCode"] = new JArray(401), ["tokenResponsePath"] = "access_token", ["tokenType"] = "Bearer",
        };
        var conn = new JObject { ["authentications"] = new JObject { ["acctAuth"] = profile } }.ToString();
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunProvisioningAsync(Prov.Connection(srv, conn, ("RemoveAccountJSON", Prov.Calls("", Prov.Call("call1", "DELETE", "BASE/users/1")))), Prov.Request(ProvisioningTaskType.RemoveAccount));
        Assert.False(r.Success);
        Assert.False(r.Retryable);
        Assert.False(r.AnyCallSent);
        Assert.Equal("RemoveAccountJSON call1: authentication (profile acctAuth) token call HTTP 400", r.ErrorSignature);
    }
}
