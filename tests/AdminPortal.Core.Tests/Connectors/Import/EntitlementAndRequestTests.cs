using AdminPortal.Core.Connectors.Import;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Tests.Connectors.Import;

public class EntitlementAndRequestTests
{
    [Fact]
    public async Task Entitlement_dependent_calls_merge_and_iterate_another_type()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Path(req) switch
        {
            "/props" => Fx.Json(ctx, """[{"id":"p1","name":"Prop 1"},{"id":"p2","name":"Prop 2"}]"""),
            "/props/p1" => Fx.Json(ctx, """{"owner":"ann"}"""),
            "/props/p2" => Fx.Json(ctx, """{"owner":"bob"}"""),
            "/props/p1/views" => Fx.Json(ctx, """[{"id":"v1","name":"View 1"}]"""),
            "/props/p2/views" => Fx.Json(ctx, """[{"id":"v2","name":"View 2"},{"id":"v3","name":"View 3"}]"""),
            _ => Fx.Json(ctx, "{}", 404),
        });
        var import = """
            {"entitlementParams":{"entTypes":{
              "Property":{"entTypeOrder":0,"call":{
                "call1":{"callOrder":0,"stageNumber":0,"http":{"url":"BASE/props","httpMethod":"GET"},"listField":"","keyField":"entitlementID",
                  "colsToPropsMap":{"entitlementID":"id","entitlement_value":"name"},"makeProcessingStatus":true},
                "call2":{"callOrder":1,"stageNumber":1,"inputParams":{"entitlementname":"Property"},"http":{"url":"BASE/props/${entitlementID}","httpMethod":"GET"},
                  "listField":"","keyField":"entitlementID","colsToPropsMap":{"customproperty1":"owner"}}}},
              "View":{"entTypeOrder":1,"call":{
                "call1":{"inputParams":{"entitlementname":"Property"},"http":{"url":"BASE/props/${entitlementID}/views","httpMethod":"GET"},"listField":"","keyField":"entitlementID",
                  "colsToPropsMap":{"entitlementID":"id","entitlement_value":"name","customproperty1":"#CONST#${entitlementID}"}}}}}}}
            """.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal);
        var (engine, _, _) = Engine.Create();
        var sink = new CollectingSink();
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), import), sink);
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(new[] { "ann", "bob" }, sink.Entitlements.Where(e => e.EntitlementType == "Property").Select(e => e.Attributes["customproperty1"]));
        var views = sink.Entitlements.Where(e => e.EntitlementType == "View").ToList();
        Assert.Equal(new[] { "v1", "v2", "v3" }, views.Select(v => v.EntitlementId));
        Assert.Equal(new[] { "p1", "p2", "p2" }, views.Select(v => v.Attributes["customproperty1"]));
        Assert.Equal(new[] { "Property", "View" }, sink.Types.Select(t => t.Name));
    }

    [Fact]
    public async Task Call_level_statusConfig_maps_status()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Json(ctx, """[{"id":"1","s":"ENABLED"},{"id":"2","s":"DISABLED"},{"id":"3","s":"LOCKED"}]"""));
        var import = """
            {"accountParams":{"call":{"call1":{"http":{"url":"BASE/u","httpMethod":"GET"},"listField":"","keyField":"accountID",
              "colsToPropsMap":{"accountID":"id","name":"id","status":"s"},"statusConfig":{"active":"ENABLED","inactive":"DISABLED"}}}}}
            """.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal);
        var (engine, _, _) = Engine.Create();
        var sink = new CollectingSink();
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), import), sink);
        Assert.True(r.IsComplete);
        Assert.Equal(new[] { AccountImportStatus.Active, AccountImportStatus.Inactive, AccountImportStatus.Inactive }, sink.Accounts.Select(a => a.Status));
    }

    [Fact]
    public async Task Post_search_body_is_json_escaped_and_form_bodies_are_encoded()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) =>
        {
            if (Fx.Path(req) == "/search")
            {
                var body = JObject.Parse(req.Body); // must be valid JSON although the value contains quotes
                Assert.Equal("O\"Neil \\ x", (string?)body["filter"]);
                Assert.Equal("ab", (string?)body["obj"]!["k"]);
                return Fx.Json(ctx, """{"hits":[{"id":"1","n":"a"}]}""");
            }
            Assert.Equal("application/x-www-form-urlencoded", ctx.Request.ContentType);
            Assert.Equal("q=O%22Neil%20%5C%20x&n=5", req.Body);
            return Fx.Json(ctx, """{"hits":[{"id":"2","n":"b"}]}""");
        });
        var conn = Engine.StaticToken(extra: ",\"flt\":\"O\\\"Neil \\\\ x\"");
        var import = """
            {"accountParams":{"call":{
              "c1":{"callOrder":0,"http":{"url":"BASE/search","httpMethod":"POST","httpContentType":"application/json",
                    "httpParams":"{\"filter\":\"${connection.flt}\",\"obj\":{\"k\":\"${'a' + 'b'}\"}}"},"listField":"hits","keyField":"accountID","colsToPropsMap":{"accountID":"id","name":"n"}},
              "c2":{"callOrder":1,"http":{"url":"BASE/form","httpMethod":"GETWITHBODY","httpContentType":"application/x-www-form-urlencoded",
                    "httpParams":{"q":"${connection.flt}","n":5}},"listField":"hits","keyField":"accountID","colsToPropsMap":{"accountID":"id","name":"n"}}}}}
            """.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal);
        var (engine, _, _) = Engine.Create();
        var sink = new CollectingSink();
        var r = await engine.RunImportAsync(Engine.Connection(conn, import), sink);
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(new[] { "1", "2" }, sink.Accounts.Select(a => a.AccountId));
        Assert.Equal("GET", srv.Requests.Last().Method);
    }

    [Fact]
    public async Task Api_rate_limit_pauses_after_every_n_calls()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) =>
        {
            int off = int.Parse(Fx.Query(req, "offset"));
            return Fx.Json(ctx, off < 5 ? "[{\"id\":\"" + off + "\",\"n\":\"x\"}]" : "[]");
        });
        var conn = Engine.StaticToken(extra: ",\"apiRateLimitConfig\":{\"retryAfterCalls\":2,\"retryWaitSeconds\":3}");
        var import = """
            {"accountParams":{"call":{"c":{"http":{"url":"BASE/u","httpMethod":"GET"},"listField":"","keyField":"accountID","colsToPropsMap":{"accountID":"id","name":"n"},
              "pagination":{"offset":{"offsetParam":"offset","batchParam":"limit","batchSize":1}}}}}}
            """.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal);
        var pauses = new List<TimeSpan>();
        var client = new HttpClient();
        var engine = new AdminPortal.Core.Connectors.ConnectorEngine(new AdminPortal.Core.Connectors.ConnectorEngineOptions
        {
            HttpClientFactory = () => client,
            Delay = (t, _) => { pauses.Add(t); return Task.CompletedTask; },
        });
        var r = await engine.RunImportAsync(Engine.Connection(conn, import), new CollectingSink());
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(6, srv.Requests.Count);
        Assert.Equal(new[] { TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3) }, pauses);
    }
}

public class StreamingTests
{
    [Fact]
    public async Task Records_reach_the_sink_before_the_next_page_is_served()
    {
        var sink = new GatedSink();
        await using var srv = await FixtureServer.StartAsync(async (ctx, req) =>
        {
            int off = int.Parse(Fx.Query(req, "offset"));
            if (off == 2)
            {
                // the second page is only served after the first page's records were delivered
                var seen = await Task.WhenAny(sink.FirstAccount.Task, Task.Delay(5000)) == sink.FirstAccount.Task;
                await Fx.Json(ctx, seen ? """[{"id":"c","n":"c"}]""" : """{"error":"not streamed"}""");
                return;
            }
            await Fx.Json(ctx, off == 0 ? """[{"id":"a","n":"a"},{"id":"b","n":"b"}]""" : "[]");
        });
        var import = """
            {"accountParams":{"call":{"c":{"http":{"url":"BASE/u","httpMethod":"GET"},"listField":"","keyField":"accountID","colsToPropsMap":{"accountID":"id","name":"n"},
              "pagination":{"offset":{"offsetParam":"offset","batchParam":"limit","batchSize":2}}}}}}
            """.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal);
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), import), sink);
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(3, sink.Accounts.Count);
    }

    private sealed class GatedSink : AdminPortal.Core.Connectors.Import.IImportSink
    {
        public TaskCompletionSource FirstAccount { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public List<AdminPortal.Core.Connectors.Import.ImportedAccount> Accounts { get; } = new();
        public ValueTask OnAccountAsync(AdminPortal.Core.Connectors.Import.ImportedAccount account, CancellationToken ct) { Accounts.Add(account); FirstAccount.TrySetResult(); return ValueTask.CompletedTask; }
        public ValueTask OnEntitlementTypeAsync(AdminPortal.Core.Connectors.Import.ImportedEntitlementType type, CancellationToken ct) => ValueTask.CompletedTask;
        public ValueTask OnEntitlementAsync(AdminPortal.Core.Connectors.Import.ImportedEntitlement entitlement, CancellationToken ct) => ValueTask.CompletedTask;
        public ValueTask OnLinkAsync(AdminPortal.Core.Connectors.Import.ImportedLink link, CancellationToken ct) => ValueTask.CompletedTask;
        public ValueTask OnProgressAsync(AdminPortal.Core.Connectors.Import.ImportProgress progress, CancellationToken ct) => ValueTask.CompletedTask;
    }
}
