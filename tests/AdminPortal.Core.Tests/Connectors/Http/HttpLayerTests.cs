using System.Diagnostics;
using System.Net;
using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Tests.Connectors.Import;
using Polly.CircuitBreaker;

namespace AdminPortal.Core.Tests.Connectors.Http;

public class HttpLayerTests
{
    [Fact]
    public async Task Retry_after_header_is_honoured_on_429()
    {
        int hits = 0;
        await using var srv = await FixtureServer.StartAsync((ctx, req) =>
        {
            if (++hits == 1)
            {
                ctx.Response.Headers.RetryAfter = "1";
                return Fx.Json(ctx, "{}", 429);
            }
            return Fx.Json(ctx, "{\"ok\":true}");
        });
        using var client = new HttpClient(new ResilienceHandler(new ResilienceSettings { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromSeconds(5) }, new SocketsHttpHandler()));
        var sw = Stopwatch.StartNew();
        using var resp = await client.GetAsync(srv.BaseUrl + "/x");
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(2, hits);
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(900), sw.Elapsed.ToString());
    }

    [Fact]
    public async Task Post_body_is_resent_on_retry()
    {
        var bodies = new List<string>();
        await using var srv = await FixtureServer.StartAsync((ctx, req) =>
        {
            bodies.Add(req.Body);
            return bodies.Count < 3 ? Fx.Json(ctx, "{}", 502) : Fx.Json(ctx, "{}");
        });
        using var client = new HttpClient(new ResilienceHandler(Engine.FastResilience, new SocketsHttpHandler()));
        using var resp = await client.PostAsync(srv.BaseUrl + "/x", new StringContent("{\"a\":1}"));
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(new[] { "{\"a\":1}", "{\"a\":1}", "{\"a\":1}" }, bodies);
    }

    [Fact]
    public async Task Attempt_timeout_is_retried_then_surfaces()
    {
        await using var srv = await FixtureServer.StartAsync(async (ctx, req) =>
        {
            await Task.Delay(2000, ctx.RequestAborted).ContinueWith(_ => { });
            await Fx.Json(ctx, "{}");
        });
        var settings = Engine.FastResilience with { AttemptTimeout = TimeSpan.FromMilliseconds(100), MaxRetryAttempts = 1 };
        var counter = new CountingHandler(new SocketsHttpHandler());
        using var client = new HttpClient(new ResilienceHandler(settings, counter));
        var ex = await Record.ExceptionAsync(() => client.GetAsync(srv.BaseUrl + "/slow"));
        Assert.True(ex is Polly.Timeout.TimeoutRejectedException, ex?.ToString());
        Assert.Equal(2, counter.Attempts);
    }

    [Fact]
    public async Task Circuit_breaker_opens_per_host()
    {
        await using var srv = await FixtureServer.StartAsync((ctx, req) => Fx.Json(ctx, "{}", 500));
        var handler = new ResilienceHandler(new ResilienceSettings
        {
            MaxRetryAttempts = 0, BreakerMinimumThroughput = 2, BreakerFailureRatio = 0.5, BreakerBreakDuration = TimeSpan.FromSeconds(30),
        }, new SocketsHttpHandler());
        using var client = new HttpClient(handler);
        for (int i = 0; i < 2; i++) (await client.GetAsync(srv.BaseUrl + "/x")).Dispose();
        await Assert.ThrowsAsync<BrokenCircuitException>(() => client.GetAsync(srv.BaseUrl + "/x"));
        Assert.Equal(CircuitState.Open, handler.GetCircuitState(new Uri(srv.BaseUrl).Authority));
        Assert.Equal(2, srv.Requests.Count);
    }

    [Fact]
    public void Url_resolution_and_prefix_rewrites()
    {
        var r = new UrlResolver("https://api.example.com/inContactAPI/services/v34.0/", new[]
        {
            new UrlRewrite("https://dashboard.signalsciences.net", "http://127.0.0.1:5001/sigsci"),
            new UrlRewrite("https://api.example.com", "http://127.0.0.1:5002"),
        });
        Assert.Equal(("http://127.0.0.1:5002/inContactAPI/services/v34.0/agents", r.Resolve("/agents").Applied), r.Resolve("/agents"));
        Assert.Equal("http://127.0.0.1:5001/sigsci/api/v0/corps", r.Resolve("https://dashboard.signalsciences.net/api/v0/corps").Url);
        Assert.Null(r.Resolve("https://other.host/x").Applied);
        Assert.Equal("https://b/base/x", r.Resolve("x", "https://b/base").Url);
        Assert.Throws<InvalidOperationException>(() => new UrlResolver(null, null).Resolve("/agents"));
    }

    [Theory]
    [InlineData("https://h/u?limit=5&x=1", "https://h/u?x=1&limit=100&offset=0")]
    [InlineData("https://h/u", "https://h/u?limit=100&offset=0")]
    public void Query_parameters_are_replaced_not_duplicated(string url, string expected)
    {
        Assert.Equal(expected, UrlResolver.SetQuery(url, new Dictionary<string, string> { ["limit"] = "100", ["offset"] = "0" }));
    }

    [Fact]
    public void Redactor_masks_headers_json_form_query_and_known_values()
    {
        var r = new SecretRedactor(new[] { "host-known-secret" });
        r.AddSecret("Bearer live-token-abc");
        r.AddSensitiveField("customKey");
        var headers = r.RedactHeaders(new[]
        {
            new KeyValuePair<string, string>("Authorization", "Bearer live-token-abc"),
            new KeyValuePair<string, string>("Cookie", "sid=1"),
            new KeyValuePair<string, string>("X-Api-Token", "zzz"),
            new KeyValuePair<string, string>("Accept", "application/json"),
        });
        Assert.Equal("Bearer ***", headers[0].Value);
        Assert.Equal("***", headers[1].Value);
        Assert.Equal("***", headers[2].Value);
        Assert.Equal("application/json", headers[3].Value);
        var json = r.RedactText("{\"access_token\":\"abc\",\"refresh_token\": \"def\",\"expires_in\":3600,\"password\":12345,\"customKey\":\"v\",\"note\":\"uses live-token-abc and host-known-secret\"}");
        Assert.Equal("{\"access_token\":\"***\",\"refresh_token\": \"***\",\"expires_in\":3600,\"password\":***,\"customKey\":\"***\",\"note\":\"uses *** and ***\"}", json);
        Assert.Equal("grant_type=password&username=u&password=***&client_secret=***", r.RedactText("grant_type=password&username=u&password=p%40ss&client_secret=xyz"));
        Assert.Equal("https://h/x?api_key=***&q=1", r.RedactText("https://h/x?api_key=k123&q=1"));
    }

    private sealed class CountingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public int Attempts;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Attempts);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
