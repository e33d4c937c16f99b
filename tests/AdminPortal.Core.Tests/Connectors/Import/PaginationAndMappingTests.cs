using AdminPortal.Core.Connectors.Import;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Tests.Connectors.Import;

public class PaginationAndMappingTests
{
    private static JObject User(int i) => new() { ["id"] = "u" + i, ["login"] = "login" + i };

    [Fact]
    public async Task Page_pagination_with_total_in_body()
    {
        var users = Enumerable.Range(1, 7).Select(User).ToList();
        await using var srv = await FixtureServer.StartAsync((ctx, req) =>
        {
            int page = int.Parse(Fx.Query(req, "page")), size = int.Parse(Fx.Query(req, "per_page"));
            Assert.Equal("keep", Fx.Query(req, "filter"));
            return Fx.Json(ctx, new JObject { ["items"] = new JArray(users.Skip((page - 1) * size).Take(size)), ["meta"] = new JObject { ["total_count"] = users.Count } }.ToString());
        });
        var import = """
            {"accountParams":{"connection":"acctAuth","call":{"call1":{"callOrder":"0","stageNumber":"0",
              "http":{"url":"@@srv_BaseUrl@@/users?filter=keep&page=99","httpMethod":"GET","httpHeaders":{"Authorization":"${access_token}"}},
              "listField":"items","keyField":"accountID","colsToPropsMap":{"accountID":"id~#~char","name":"login~#~char"},
              "pagination":{"page":{"pageSizeParam":"per_page","pageSize":"3","pageNumberParam":"page","firstPageNumber":1,"totalCountPath":"completeResponseMap.meta.total_count"}}}}}}
            """.Replace("@@srv_BaseUrl@@", srv.BaseUrl);
        var (engine, _, _) = Engine.Create();
        var sink = new CollectingSink();
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), import), sink);
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(7, sink.Accounts.Count);
        Assert.Equal(3, srv.Requests.Count);
        Assert.All(srv.Requests, q => Assert.DoesNotContain("page=99", q.PathAndQuery));
    }

    [Fact]
    public async Task Page_pagination_stops_on_short_page_without_total_and_total_from_header()
    {
        var users = Enumerable.Range(1, 5).Select(User).ToList();
        await using var srv = await FixtureServer.StartAsync((ctx, req) =>
        {
            int page = int.Parse(Fx.Query(req, "page")), size = int.Parse(Fx.Query(req, "limit"));
            ctx.Response.Headers["X-Pagination-Total"] = users.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Fx.Json(ctx, new JArray(users.Skip((page - 1) * size).Take(size)).ToString());
        });
        foreach (var total in new[] { "", ",\"totalCountPath\":\"headers.X-Pagination-Total\"" })
        {
            var import = """
                {"accountParams":{"call":{"call1":{"http":{"url":"@@srv_BaseUrl@@/users","httpMethod":"GET","httpHeaders":{}},
                  "listField":"","keyField":"accountID","colsToPropsMap":{"accountID":"id","name":"login"},
                  "pagination":{"page":{"pageSizeParam":"limit","pageSize":2,"pageNumberParam":"page","firstPageNumber":1@@total@@}}}}}}
                """.Replace("@@srv_BaseUrl@@", srv.BaseUrl).Replace("@@total@@", total);
            var (engine, _, _) = Engine.Create();
            var sink = new CollectingSink();
            var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), import), sink);
            Assert.True(r.IsComplete, r.Failure?.ToString());
            Assert.Equal(5, sink.Accounts.Count);
        }
    }

    [Fact]
    public async Task NextUrl_pagination_from_link_header_expression_and_literal_odata_key()
    {
        var users = Enumerable.Range(1, 5).Select(User).ToList();
        await using var srv = await FixtureServer.StartAsync((ctx, req) =>
        {
            int page = int.TryParse(Fx.Query(req, "page"), out var p) ? p : 1;
            var items = users.Skip((page - 1) * 2).Take(2).ToList();
            var host = $"{ctx.Request.Scheme}://{ctx.Request.Host}";
            if (Fx.Path(req) == "/link")
            {
                if (page * 2 < users.Count) ctx.Response.Headers["Link"] = $"<{host}/link?page={page + 1}>; rel=\"next\", <{host}/link?page=3>; rel=\"last\"";
                return Fx.Json(ctx, new JArray(items).ToString());
            }
            var body = new JObject { ["value"] = new JArray(items) };
            if (page * 2 < users.Count) body["@odata.nextLink"] = $"{host}/odata?page={page + 1}";
            return Fx.Json(ctx, body.ToString());
        });
        const string linkExpr = "${headers.Link == null ? null : headers.Link.split(',').find { it.contains('rel=\\\"next\\\"') }?.split(';')[0]?.trim()?.replaceAll('[<>]', '')}";
        var importLink = """
            {"accountParams":{"call":{"call1":{"http":{"url":"@@srv_BaseUrl@@/link","httpMethod":"GET"},"listField":"","keyField":"accountID",
              "colsToPropsMap":{"accountID":"id~#~char","name":"login~#~char"},"pagination":{"nextUrl":{"nextUrlPath":"@@linkExpr@@"}}}}}}
            """.Replace("@@linkExpr@@", linkExpr).Replace("@@srv_BaseUrl@@", srv.BaseUrl);
        var importOdata = """
            {"accountParams":{"call":{"call1":{"http":{"url":"@@srv_BaseUrl@@/odata","httpMethod":"GET"},"listField":"value","keyField":"accountID",
              "colsToPropsMap":{"accountID":"id~#~char","name":"login~#~char"},"pagination":{"nextUrl":{"nextUrlPath":"@odata.nextLink"}}}}}}
            """.Replace("@@srv_BaseUrl@@", srv.BaseUrl);
        foreach (var import in new[] { importLink, importOdata })
        {
            var (engine, _, _) = Engine.Create();
            var sink = new CollectingSink();
            var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), import), sink);
            Assert.True(r.IsComplete, r.Failure?.ToString());
            Assert.Equal(new[] { "u1", "u2", "u3", "u4", "u5" }, sink.Accounts.Select(a => a.AccountId));
        }
    }

    [Fact]
    public async Task NextUrl_repeating_url_is_a_pagination_loop_failure()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) =>
            Fx.Json(ctx, """{"items":[{"id":"a","login":"a"}],"next":"@@ctx_Request_Scheme@@://@@ctx_Request_Host@@/loop?cursor=same"}""".Replace("@@ctx_Request_Host@@", ctx.Request.Host.ToString()).Replace("@@ctx_Request_Scheme@@", ctx.Request.Scheme)));
        var import = """
            {"accountParams":{"call":{"call1":{"http":{"url":"@@srv_BaseUrl@@/loop","httpMethod":"GET"},"listField":"items","keyField":"accountID",
              "colsToPropsMap":{"accountID":"id","name":"login"},"pagination":{"nextUrl":{"nextUrlPath":"${response.completeResponseMap.next}"}}}}}}
            """.Replace("@@srv_BaseUrl@@", srv.BaseUrl);
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), import), new CollectingSink());
        Assert.False(r.IsComplete);
        Assert.Equal(ImportFailureKind.PaginationLoop, r.Failure!.Kind);
        Assert.Equal(3, r.Failure.Page);
        Assert.Contains("cursor=same", r.Failure.Url);
    }

    /// <summary>Security: a target's next link to another host is refused, so the token is never sent there.</summary>
    [Fact]
    public async Task NextUrl_to_another_host_is_refused_and_never_called()
    {
        var elsewhereCalls = 0;
        await using var elsewhere = await FixtureServer.StartAsync((ctx, req) =>
        {
            Interlocked.Increment(ref elsewhereCalls);
            return Fx.Json(ctx, """{"items":[]}""");
        });
        await using var srv = await FixtureServer.StartAsync((ctx, req) =>
            Fx.Json(ctx, """{"items":[{"id":"a","login":"a"}],"next":"@@elsewhere@@/steal"}""".Replace("@@elsewhere@@", elsewhere.BaseUrl)));
        var import = """
            {"accountParams":{"call":{"call1":{"http":{"url":"@@srv_BaseUrl@@/first","httpMethod":"GET","httpHeaders":{"Authorization":"${access_token}"}},"listField":"items","keyField":"accountID",
              "colsToPropsMap":{"accountID":"id","name":"login"},"pagination":{"nextUrl":{"nextUrlPath":"${response.completeResponseMap.next}"}}}}}}
            """.Replace("@@srv_BaseUrl@@", srv.BaseUrl);
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), import), new CollectingSink());
        Assert.False(r.IsComplete);
        Assert.Equal(ImportFailureKind.PaginationLoop, r.Failure!.Kind);
        Assert.Contains("another host", r.Failure.Message);
        Assert.Equal(0, elsewhereCalls);
    }

    [Fact]
    public async Task Offset_pagination_ignored_by_server_is_detected()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Json(ctx, """[{"id":"a","login":"a"},{"id":"b","login":"b"}]"""));
        var import = """
            {"accountParams":{"call":{"call1":{"http":{"url":"@@srv_BaseUrl@@/all","httpMethod":"GET"},"listField":"","keyField":"accountID",
              "colsToPropsMap":{"accountID":"id","name":"login"},"pagination":{"offset":{"offsetParam":"offset","batchParam":"limit","batchSize":2,"totalCountPath":"5000"}}}}}}
            """.Replace("@@srv_BaseUrl@@", srv.BaseUrl);
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), import), new CollectingSink());
        Assert.False(r.IsComplete);
        Assert.Equal(ImportFailureKind.PaginationNotHonoured, r.Failure!.Kind);
    }

    [Fact]
    public async Task Max_pages_guard()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) =>
        {
            int off = int.Parse(Fx.Query(req, "offset"));
            return Fx.Json(ctx, """[{"id":"a@@off@@","login":"x"}]""".Replace("@@off@@", off.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        });
        var import = """
            {"accountParams":{"call":{"call1":{"http":{"url":"@@srv_BaseUrl@@/endless","httpMethod":"GET"},"listField":"","keyField":"accountID",
              "colsToPropsMap":{"accountID":"id","name":"login"},"pagination":{"offset":{"offsetParam":"offset","batchParam":"limit","batchSize":1}}}}}}
            """.Replace("@@srv_BaseUrl@@", srv.BaseUrl);
        var (engine, _, _) = Engine.Create(maxPages: 5);
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), import), new CollectingSink());
        Assert.Equal(ImportFailureKind.TooManyPages, r.Failure!.Kind);
        Assert.Equal(6, r.Failure.Page);
    }

    [Fact]
    public async Task ColsToPropsMap_every_form_and_type()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Json(ctx, """
            {"data":{"users":[{"id":7,"name":{"givenName":"Ann","familyName":"Lee"},"emails":[{"value":"ann@work"},{"value":"ann@home"}],
              "address":{"home":[{"city":"A"},{"city":"B"}]},"odata.type":"#user","enabled":"1","count":"42","score":3.0,
              "created":"2024-02-03T04:05:06+02:00","lastLogin":1700000000000,"groups":["g1","g2"],"directRoles":["role-a","role-b"],
              "meta":{"tags":{"x":1}},"LOGONNAME":"alee"}]}}
            """));
        var import = """
            {"accountParams":{"call":{"call1":{"http":{"url":"@@srv_BaseUrl@@/u","httpMethod":"GET"},"listField":"data.users","keyField":"accountID",
              "colsToPropsMap":{
                "accountID":"id~#~char","name":"name.givenName~#~char","displayName":"${ LOGONNAME + '@corp' }~#~char",
                "customproperty1":"emails[0].value~#~char","customproperty2":"address.home[1].city~#~char","customproperty3":"odata~dot#type~#~char",
                "customproperty4":"enabled~#~bool","customproperty5":"count~#~int","customproperty6":"created~#~date","customproperty7":"lastLogin~#~epochdate",
                "customproperty8":"groups~#~listAsString","customproperty9":"#CONST#${return response.directRoles[0];}~#~char",
                "customproperty10":"#CONST#fixed","customproperty11":"meta.tags~#~char","customproperty12":"missing.path~#~char","customproperty13":"score~#~int",
                "customproperty14":"emails.value~#~char","CUSTOMPROPERTY15":"id"}}}}}
            """.Replace("@@srv_BaseUrl@@", srv.BaseUrl);
        var (engine, _, _) = Engine.Create();
        var sink = new CollectingSink();
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), import), sink);
        Assert.True(r.IsComplete, r.Failure?.ToString());
        var a = sink.Accounts.Single().Attributes;
        Assert.Equal("7", a["accountID"]);
        Assert.Equal("Ann", a["name"]);
        Assert.Equal("alee@corp", a["displayName"]);
        Assert.Equal("ann@work", a["customproperty1"]);
        Assert.Equal("B", a["customproperty2"]);
        Assert.Equal("#user", a["customproperty3"]);
        Assert.Equal("true", a["customproperty4"]);
        Assert.Equal("42", a["customproperty5"]);
        Assert.Equal("2024-02-03T02:05:06Z", a["customproperty6"]);
        Assert.Equal("2023-11-14T22:13:20Z", a["customproperty7"]);
        Assert.Equal("g1,g2", a["customproperty8"]);
        Assert.Equal("role-a", a["customproperty9"]);
        Assert.Equal("fixed", a["customproperty10"]);
        Assert.Equal("{\"x\":1}", a["customproperty11"]);
        Assert.Null(a["customproperty12"]);
        Assert.Equal("3", a["customproperty13"]);
        Assert.Equal("ann@work,ann@home", a["customproperty14"]);
        Assert.Equal("7", a["customproperty15"]);
        Assert.Equal(32, sink.Accounts.Single().Hash.Length);
    }

    [Fact]
    public async Task Dependent_account_call_enriches_each_account()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) =>
        {
            var path = Fx.Path(req);
            if (path == "/users") return Fx.Json(ctx, """{"users":[{"id":"1","login":"ann"},{"id":"2","login":"bob"}]}""");
            var name = path["/users/".Length..];
            return Fx.Json(ctx, """{"id":"x","dept":"dept-@@name@@"}""".Replace("@@name@@", name));
        });
        var import = """
            {"accountParams":{"call":{
              "call1":{"callOrder":0,"stageNumber":0,"http":{"url":"@@srv_BaseUrl@@/users","httpMethod":"GET"},"listField":"users","keyField":"accountID",
                "colsToPropsMap":{"accountID":"id~#~char","name":"login~#~char"}},
              "call2":{"callOrder":1,"stageNumber":3,"inputParams":{"dependentCall":true},"nextApiKeyField":"name",
                "http":{"url":"@@srv_BaseUrl@@/users/${accountName}","httpMethod":"GET"},"listField":"","keyField":"accountID",
                "colsToPropsMap":{"customproperty1":"dept~#~char","accountID":"id~#~char"}}}}}
            """.Replace("@@srv_BaseUrl@@", srv.BaseUrl);
        var (engine, _, _) = Engine.Create();
        var sink = new CollectingSink();
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), import), sink);
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(new[] { "dept-ann", "dept-bob" }, sink.Accounts.Select(a => a.Attributes["customproperty1"]));
        Assert.Equal(new[] { "1", "2" }, sink.Accounts.Select(a => a.AccountId));
    }
}
