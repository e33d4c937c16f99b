using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Connectors.Import;
using Microsoft.AspNetCore.Http;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Tests.Connectors.Import;

/// <summary>Any doubt about a page makes the run fail with a located error; the host then changes nothing.</summary>
public class CompletenessTests
{
    // also the paged call of PagePrefetchTests
    internal const string Import = """
        {"accountParams":{"call":{"call1":{"http":{"url":"BASE/users","httpMethod":"GET","httpHeaders":{"Authorization":"${access_token}"}},
          "listField":"items","keyField":"accountID","colsToPropsMap":{"accountID":"id","name":"login"},
          "pagination":{"offset":{"offsetParam":"offset","batchParam":"limit","batchSize":2,"totalCountPath":"completeResponseMap.total"}}}}}}
        """;

    internal static string Page(int offset, int total = 6)
        => new JObject { ["total"] = total, ["items"] = new JArray(Enumerable.Range(offset, Math.Min(2, total - offset)).Select(i => new JObject { ["id"] = "u" + i, ["login"] = "l" + i })) }.ToString();

    private static async Task<(ImportResult Result, FixtureServer Server, InMemoryExchangeRecorder Rec, CollectingSink Sink)> Run(Func<HttpContext, int, Task> page3, string import = Import)
    {
        var srv = await FixtureServer.StartAsync((ctx, req) =>
        {
            int offset = int.Parse(Fx.Query(req, "offset"));
            return offset == 4 ? page3(ctx, offset) : Fx.Json(ctx, Page(offset));
        });
        var (engine, rec, _) = Engine.Create();
        var sink = new CollectingSink();
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), import.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal)), sink);
        return (r, srv, rec, sink);
    }

    [Fact]
    public async Task Baseline_complete_read()
    {
        var (r, srv, _, sink) = await Run((ctx, off) => Fx.Json(ctx, Page(off)));
        await using var _ = srv;
        Assert.True(r.IsComplete);
        Assert.Equal(6, sink.Accounts.Count);
        Assert.Equal(3, r.RequestCount);
    }

    [Fact]
    public async Task Http_500_mid_way_after_retries_fails_naming_call_url_and_page()
    {
        var (r, srv, rec, _) = await Run((ctx, _) => Fx.Json(ctx, """{"message":"boom"}""", 500));
        await using var _ = srv;
        Assert.False(r.IsComplete);
        var f = r.Failure!;
        Assert.Equal(ImportFailureKind.HttpStatus, f.Kind);
        Assert.Equal(500, f.HttpStatus);
        Assert.Equal(3, f.Page);
        Assert.Equal("call1", f.Call);
        Assert.Equal("accountParams", f.Section);
        Assert.Contains("offset=4", f.Url);
        Assert.Contains("page 3", f.ToString());
    }

    [Fact]
    public async Task Transient_503_is_retried_and_the_read_completes()
    {
        int hits = 0;
        var (r, srv, _, sink) = await Run((ctx, off) => ++hits < 2 ? Fx.Json(ctx, "{}", 503) : Fx.Json(ctx, Page(off)));
        await using var _ = srv;
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(6, sink.Accounts.Count);
        Assert.Equal(2, hits);
    }

    [Fact]
    public async Task Truncated_body_fails()
    {
        var (r, srv, _, _) = await Run(async (ctx, off) =>
        {
            var full = Page(off);
            ctx.Response.ContentType = "application/json";
            ctx.Response.ContentLength = full.Length;
            await ctx.Response.WriteAsync(full[..(full.Length / 2)]);
            await ctx.Response.Body.FlushAsync();
            ctx.Abort();
        });
        await using var _ = srv;
        Assert.False(r.IsComplete);
        Assert.True(r.Failure!.Kind is ImportFailureKind.Transport or ImportFailureKind.UnparsableBody, r.Failure.ToString());
        Assert.Equal(3, r.Failure.Page);
    }

    [Fact]
    public async Task Chunked_body_cut_in_the_middle_of_the_json_fails_as_unparsable()
    {
        var (r, srv, _, _) = await Run(async (ctx, off) =>
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync("{\"total\":6,\"items\":[{\"id\":\"u4\",\"login\":\"l4\"},{\"id\":\"u5\"");
        });
        await using var _ = srv;
        Assert.False(r.IsComplete);
        Assert.Equal(ImportFailureKind.UnparsableBody, r.Failure!.Kind);
    }

    [Fact]
    public async Task Redirect_to_html_login_page_fails()
    {
        var srv = await FixtureServer.StartAsync((ctx, req) =>
        {
            if (Fx.Path(req) == "/login") return Fx.Json(ctx, "<!DOCTYPE html><html><body><form>Sign in</form></body></html>", 200, "text/html");
            int offset = int.Parse(Fx.Query(req, "offset"));
            if (offset == 2) { ctx.Response.StatusCode = 302; ctx.Response.Headers.Location = "/login?next=%2Fusers"; return Task.CompletedTask; }
            return Fx.Json(ctx, Page(offset));
        });
        await using var _ = srv;
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), Import.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal)), new CollectingSink());
        Assert.False(r.IsComplete);
        Assert.Equal(ImportFailureKind.HtmlInsteadOfJson, r.Failure!.Kind);
        Assert.Equal(2, r.Failure.Page);
        Assert.Contains("/login", r.Failure.Url);
    }

    [Fact]
    public async Task Html_with_json_content_type_is_still_detected()
    {
        var (r, srv, _, _) = await Run((ctx, _) => Fx.Json(ctx, "  <html>maintenance</html>"));
        await using var _ = srv;
        Assert.Equal(ImportFailureKind.HtmlInsteadOfJson, r.Failure!.Kind);
    }

    [Fact]
    public async Task Http_200_with_error_body_fails()
    {
        var (r, srv, _, _) = await Run((ctx, _) => Fx.Json(ctx, """{"error":{"code":"TooManyRequests","message":"quota"}}"""));
        await using var _ = srv;
        Assert.False(r.IsComplete);
        Assert.Equal(ImportFailureKind.ErrorBody, r.Failure!.Kind);
        Assert.Contains("TooManyRequests", r.Failure.Message);
    }

    [Fact]
    public async Task Missing_list_field_fails()
    {
        var (r, srv, _, _) = await Run((ctx, _) => Fx.Json(ctx, """{"total":6,"results":[]}"""));
        await using var _ = srv;
        Assert.Equal(ImportFailureKind.MissingListField, r.Failure!.Kind);
        Assert.Contains("'items'", r.Failure.Message);
    }

    [Fact]
    public async Task Non_json_text_fails()
    {
        var (r, srv, _, _) = await Run((ctx, _) => Fx.Json(ctx, "OK", 200, "text/plain"));
        await using var _ = srv;
        Assert.Equal(ImportFailureKind.UnparsableBody, r.Failure!.Kind);
    }

    [Fact]
    public async Task Success_and_unsuccess_body_criteria()
    {
        var withCriteria = Import.Replace("\"listField\"", "\"unsuccessResponses\":{\"status\":[\"FAILED\"]},\"successResponses\":{\"statusCode\":[200]},\"listField\"", StringComparison.Ordinal);
        var (r, srv, _, _) = await Run((ctx, off) => Fx.Json(ctx, """{"status":"FAILED","total":6,"items":[]}"""), withCriteria);
        await using var _ = srv;
        Assert.Equal(ImportFailureKind.ErrorBody, r.Failure!.Kind);
        Assert.Contains("unsuccessResponses", r.Failure.Message);

        var (r2, srv2, _, _) = await Run((ctx, off) => Fx.Json(ctx, Page(off), 201), withCriteria);
        await using var __ = srv2;
        Assert.Equal(ImportFailureKind.HttpStatus, r2.Failure!.Kind);
        Assert.Equal(201, r2.Failure.HttpStatus);
    }

    [Fact]
    public async Task Empty_204_page_ends_the_read()
    {
        var (r, srv, _, sink) = await Run((ctx, _) => { ctx.Response.StatusCode = 204; return Task.CompletedTask; });
        await using var _ = srv;
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(4, sink.Accounts.Count);
    }

    [Fact]
    public async Task Oversized_body_fails()
    {
        var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Json(ctx, "{\"items\":[" + string.Join(",", Enumerable.Repeat("{\"id\":\"x\",\"login\":\"y\"}", 5000)) + "]}"));
        await using var _ = srv;
        var recorder = new InMemoryExchangeRecorder();
        var client = new HttpClient();
        var engine = new AdminPortal.Core.Connectors.ConnectorEngine(new AdminPortal.Core.Connectors.ConnectorEngineOptions { HttpClientFactory = () => client, MaxResponseBytes = 10_000, Recorder = recorder });
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), Import.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal)), new CollectingSink());
        Assert.Equal(ImportFailureKind.BodyTooLarge, r.Failure!.Kind);
        Assert.True(recorder.Exchanges.Single().ResponseBodyTruncated);
    }

    [Fact]
    public async Task Unreachable_host_fails_as_transport()
    {
        var (engine, _, _) = Engine.Create(resilience: Engine.FastResilience with { MaxRetryAttempts = 0 });
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken(), Import.Replace("BASE", "http://127.0.0.1:1", StringComparison.Ordinal)), new CollectingSink());
        Assert.Equal(ImportFailureKind.Transport, r.Failure!.Kind);
        Assert.Equal(1, r.Failure.Page);
    }

    [Fact]
    public async Task Unresolved_template_variable_fails_with_expression_position()
    {
        var bad = Import.Replace("${access_token}", "${acces_token}", StringComparison.Ordinal);
        var (r, srv, _, _) = await Run((ctx, off) => Fx.Json(ctx, Page(off)), bad);
        await using var _ = srv;
        Assert.Equal(ImportFailureKind.Template, r.Failure!.Kind);
        Assert.Contains("acces_token", r.Failure.Message);
        Assert.Contains("column 1", r.Failure.Message);
    }
}

public class FailureRedactionTests
{
    [Fact]
    public async Task Failure_message_does_not_leak_secrets_echoed_by_the_server()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) =>
            Fx.Json(ctx, "{\"message\":\"bad token " + req.Header("Authorization") + "\",\"access_token\":\"leak-2\"}", 400));
        var import = """
            {"accountParams":{"call":{"c":{"http":{"url":"BASE/u?api_key=qk-77","httpMethod":"GET","httpHeaders":{"Authorization":"${access_token}"}},"listField":"","keyField":"accountID",
              "colsToPropsMap":{"accountID":"id","name":"n"}}}}}
            """.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal);
        var (engine, _, _) = Engine.Create();
        var r = await engine.RunImportAsync(Engine.Connection(Engine.StaticToken("Bearer tok-secret-1"), import), new CollectingSink());
        Assert.Equal(AdminPortal.Core.Connectors.Import.ImportFailureKind.HttpStatus, r.Failure!.Kind);
        var text = r.Failure.ToString();
        Assert.DoesNotContain("tok-secret-1", text);
        Assert.DoesNotContain("leak-2", text);
        Assert.DoesNotContain("qk-77", text);
        Assert.Contains("bad token", text);
    }
}
