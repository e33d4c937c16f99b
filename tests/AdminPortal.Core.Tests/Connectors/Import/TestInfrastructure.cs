using System.Collections.Concurrent;
using System.Net;
using System.Text;
using AdminPortal.Core.Connectors;
using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Connectors.Import;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AdminPortal.Core.Tests.Connectors.Import;

internal sealed record ServerRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string Header(string name) => Headers.TryGetValue(name, out var v) ? v : "";
}

/// <summary>A real Kestrel server on a loopback port that serves scripted fixture responses.</summary>
internal sealed class FixtureServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FixtureServer(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }
    public ConcurrentQueue<ServerRequest> Requests { get; } = new();

    public IEnumerable<ServerRequest> RequestsTo(string pathPrefix) => Requests.Where(r => r.PathAndQuery.StartsWith(pathPrefix, StringComparison.Ordinal));

    public static async Task<FixtureServer> StartAsync(Func<HttpContext, ServerRequest, Task> handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FixtureServer? self = null;
        app.Run(async ctx =>
        {
            using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var headers = ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            var req = new ServerRequest(ctx.Request.Method, ctx.Request.Path + ctx.Request.QueryString, headers, body);
            self!.Requests.Enqueue(req);
            await handler(ctx, req);
        });
        await app.StartAsync();
        var addr = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new FixtureServer(app, addr.TrimEnd('/'));
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

internal static class Fx
{
    public static Task Json(HttpContext ctx, string json, int status = 200, string contentType = "application/json")
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = contentType;
        return ctx.Response.WriteAsync(json);
    }

    public static string Query(ServerRequest r, string key)
    {
        var q = r.PathAndQuery.Contains('?') ? r.PathAndQuery[(r.PathAndQuery.IndexOf('?') + 1)..] : "";
        foreach (var part in q.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split('=', 2);
            if (Uri.UnescapeDataString(kv[0]) == key) return Uri.UnescapeDataString(kv.Length > 1 ? kv[1] : "");
        }
        return "";
    }

    public static string Path(ServerRequest r) => r.PathAndQuery.Split('?')[0];
}

internal sealed class CollectingSink : IImportSink
{
    public List<ImportedAccount> Accounts { get; } = new();
    public List<ImportedEntitlementType> Types { get; } = new();
    public List<ImportedEntitlement> Entitlements { get; } = new();
    public List<ImportedLink> Links { get; } = new();
    public List<ImportProgress> Progress { get; } = new();

    public ValueTask OnAccountAsync(ImportedAccount account, CancellationToken ct) { Accounts.Add(account); return ValueTask.CompletedTask; }
    public ValueTask OnEntitlementTypeAsync(ImportedEntitlementType type, CancellationToken ct) { Types.Add(type); return ValueTask.CompletedTask; }
    public ValueTask OnEntitlementAsync(ImportedEntitlement entitlement, CancellationToken ct) { Entitlements.Add(entitlement); return ValueTask.CompletedTask; }
    public ValueTask OnLinkAsync(ImportedLink link, CancellationToken ct) { Links.Add(link); return ValueTask.CompletedTask; }
    public ValueTask OnProgressAsync(ImportProgress progress, CancellationToken ct) { Progress.Add(progress); return ValueTask.CompletedTask; }

    public HashSet<string> LinkSet => Links.Select(l => $"{l.AccountId}|{l.EntitlementType}|{l.EntitlementId}").ToHashSet();
}

internal sealed class ManualTimeProvider : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public override DateTimeOffset GetUtcNow() => _now;
    public void Advance(TimeSpan t) => _now += t;
}

internal static class Engine
{
    public static readonly ResilienceSettings FastResilience = new()
    {
        MaxRetryAttempts = 2,
        BaseDelay = TimeSpan.FromMilliseconds(5),
        MaxDelay = TimeSpan.FromMilliseconds(200),
        AttemptTimeout = TimeSpan.FromSeconds(10),
        BreakerMinimumThroughput = 1000,
    };

    public static (ConnectorEngine Engine, InMemoryExchangeRecorder Recorder, List<AdminPortal.Core.Connectors.Auth.TokenUpdate> Tokens) Create(
        string? baseUrl = null, IReadOnlyList<UrlRewrite>? rewrites = null, ResilienceSettings? resilience = null,
        TimeProvider? time = null, IReadOnlyCollection<string>? secrets = null, int maxPages = 1000)
    {
        var recorder = new InMemoryExchangeRecorder();
        var tokens = new List<AdminPortal.Core.Connectors.Auth.TokenUpdate>();
        var client = new HttpClient(new ResilienceHandler(resilience ?? FastResilience, new SocketsHttpHandler { AllowAutoRedirect = true, UseCookies = false }));
        var engine = new ConnectorEngine(new ConnectorEngineOptions
        {
            HttpClientFactory = () => client,
            BaseUrl = baseUrl,
            UrlRewrites = rewrites ?? Array.Empty<UrlRewrite>(),
            Recorder = recorder,
            SecretValues = secrets ?? Array.Empty<string>(),
            OnTokensRefreshed = (t, _) => { lock (tokens) tokens.Add(t); return Task.CompletedTask; },
            TimeProvider = time ?? TimeProvider.System,
            MaxPages = maxPages,
            Delay = (_, _) => Task.CompletedTask,
        });
        return (engine, recorder, tokens);
    }

    public static ConnectorConnection Connection(string connectionJson, string importJson, string? statusThreshold = null, IReadOnlyDictionary<string, string>? vars = null)
        => ConnectorConnection.FromAttributes(new Dictionary<string, string?>
        {
            ["ConnectionJSON"] = connectionJson,
            ["ImportAccountEntJSON"] = importJson,
            ["STATUS_THRESHOLD_CONFIG"] = statusThreshold,
        }, vars);

    public static string StaticToken(string token = "Bearer static-token-123", string profile = "acctAuth", string extra = "")
        => $$"""{"authentications":{"{{profile}}":{"authType":"oauth2","url":"https://dummy.invalid/token","httpMethod":"POST","httpParams":{},"httpHeaders":{},"httpContentType":"application/json","retryFailureStatusCode":[],"maxRefreshTryCount":1,"tokenResponsePath":"access_token","tokenType":"Bearer","accessToken":"{{token}}"{{extra}} } } }""";
}
