using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Simulators.Core;

/// <summary>Middleware common to all simulators: recording, path normalisation, admin endpoints, faults,
/// rate limits, authentication; then the system's routes.</summary>
internal static class Pipeline
{
    public const string AdminPrefix = "/__admin";
    public const string LoginPath = "/__login";

    public static void Configure(WebApplication app, SimulatorBase sim)
    {
        app.Use(async (ctx, next) =>
        {
            // Record everything except the admin API.
            var path = ctx.Request.Path.Value ?? "/";
            if (path.StartsWith(AdminPrefix, StringComparison.OrdinalIgnoreCase))
            {
                await next();
                return;
            }
            var sequence = sim.Log.NextSequence();
            var arrived = DateTimeOffset.UtcNow;
            var body = "";
            if (ctx.Request.ContentLength is > 0 || ctx.Request.Headers.TransferEncoding.Count > 0)
            {
                body = await Http.BodyText(ctx);
                if (body.Length > sim.Options.MaxRecordedBodyChars) body = body[..sim.Options.MaxRecordedBodyChars];
            }
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var h in ctx.Request.Headers) headers[h.Key] = h.Value.ToString();
            var pathAndQuery = path + ctx.Request.QueryString.Value;
            var method = ctx.Request.Method;
            try
            {
                await next();
            }
            catch (Exception ex) when (ex is not OperationCanceledException && !ctx.Response.HasStarted)
            {
                // A bug in a handler: answer 500 in the system's shape rather than an empty Kestrel 500.
                ctx.Response.Clear();
                await sim.WriteError(ctx, 500, "Simulator error: " + ex.GetType().Name + ": " + ex.Message);
            }
            finally
            {
                // 0 = the connection was aborted (connection reset / truncated body faults)
                sim.Log.Add(sequence, arrived, method, pathAndQuery, headers, body, ctx.Items.ContainsKey("aborted") ? 0 : ctx.Response.StatusCode);
            }
        });

        app.Use(async (ctx, next) =>
        {
            // Tolerate a trailing slash on every path.
            var p = ctx.Request.Path.Value;
            if (p is { Length: > 1 } && p.EndsWith('/')) ctx.Request.Path = p.TrimEnd('/');
            await next();
        });

        app.Use(async (ctx, next) =>
        {
            var path = ctx.Request.Path;
            if (path.StartsWithSegments(AdminPrefix, StringComparison.OrdinalIgnoreCase) ||
                path.StartsWithSegments(LoginPath, StringComparison.OrdinalIgnoreCase))
            {
                await next();
                return;
            }

            if (sim.Faults.Next(ctx.Request.Method, path.Value ?? "/") is { } rule)
            {
                if (rule.Kind == FaultKind.Latency)
                    await Task.Delay(rule.Latency, ctx.RequestAborted);
                else
                {
                    await ApplyFault(ctx, sim, rule);
                    return;
                }
            }

            if (sim.Options.RateLimits)
            {
                var d = sim.RateLimitDefaults;
                var (ok, limit, remaining, reset) = sim.Rate.Check(sim.Options.RateLimitRequests ?? d.Limit, sim.Options.RateLimitWindow ?? d.Window, d.IdleBlock);
                sim.AddRateHeaders(ctx, limit, remaining, reset);
                if (!ok)
                {
                    await sim.WriteRateLimited(ctx, sim.Options.RetryAfterSeconds, d.RetryAfter);
                    return;
                }
            }

            if (!sim.IsPublic(path) && !await sim.Authenticate(ctx)) return;
            await next();
        });

        app.UseRouting();
        MapAdmin(app, sim);
        app.MapGet(LoginPath, (HttpContext ctx) => Http.WriteText(ctx, 200,
            "<!DOCTYPE html><html><head><title>Sign in</title></head><body><form method=\"post\" action=\"/__login\">" +
            "<h1>Sign in</h1><input name=\"username\"/><input name=\"password\" type=\"password\"/><button>Sign in</button></form></body></html>",
            "text/html; charset=utf-8"));
        sim.MapRoutes(app);
        app.MapFallback((HttpContext ctx) => sim.WriteError(ctx, 404, "Not found: " + ctx.Request.Path));
    }

    private static async Task ApplyFault(HttpContext ctx, SimulatorBase sim, FaultRule rule)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (rule.Kind)
        {
            case FaultKind.Unauthorized401:
                await sim.WriteError(ctx, 401, "Injected fault: unauthorized");
                break;
            case FaultKind.Forbidden403:
                await sim.WriteError(ctx, 403, "Injected fault: forbidden");
                break;
            case FaultKind.NotFound404:
                await sim.WriteError(ctx, 404, "Injected fault: not found");
                break;
            case FaultKind.Conflict409:
                await sim.WriteError(ctx, 409, "Injected fault: conflict");
                break;
            case FaultKind.TooManyRequests429:
                await sim.WriteRateLimited(ctx, rule.RetryAfterSeconds, true);
                break;
            case FaultKind.TooManyRequests429NoRetryAfter:
                await sim.WriteRateLimited(ctx, rule.RetryAfterSeconds, false);
                break;
            case FaultKind.InternalError500:
                await sim.WriteError(ctx, 500, "Injected fault: internal server error");
                break;
            case FaultKind.BadGateway502:
                await Http.WriteText(ctx, 502, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>", "text/html");
                break;
            case FaultKind.ServiceUnavailable503:
                ctx.Response.Headers.RetryAfter = rule.RetryAfterSeconds.ToString(inv);
                await sim.WriteError(ctx, 503, "Injected fault: service unavailable");
                break;
            case FaultKind.ConnectionReset:
                ctx.Items["aborted"] = true;
                ctx.Abort();
                break;
            case FaultKind.TruncatedBody:
            {
                ctx.Items["aborted"] = true;
                var partial = "{\"data\":[{\"id\":\"trunc"u8.ToArray();
                ctx.Response.StatusCode = 200;
                ctx.Response.ContentType = "application/json";
                ctx.Response.ContentLength = 65536;
                await ctx.Response.Body.WriteAsync(partial);
                await ctx.Response.Body.FlushAsync();
                ctx.Abort();
                break;
            }
            case FaultKind.ErrorBodyWith200:
                await sim.WriteError(ctx, 200, "Injected fault: error reported with HTTP 200", bodyStatus: 500);
                break;
            case FaultKind.RedirectToLogin:
                ctx.Response.StatusCode = 302;
                ctx.Response.Headers.Location = LoginPath + "?returnTo=" + Uri.EscapeDataString(ctx.Request.Path + ctx.Request.QueryString);
                break;
            case FaultKind.Latency:
                break;
            default:
                throw new InvalidOperationException(rule.Kind.ToString());
        }
    }

    private static void MapAdmin(IEndpointRouteBuilder app, SimulatorBase sim)
    {
        var g = app.MapGroup(AdminPrefix);

        g.MapGet("/state", async (HttpContext ctx) =>
        {
            var limit = Http.QueryInt(ctx, "limit") ?? int.MaxValue;
            var types = sim.EntitlementTypes;
            await using var o = JsonOut.Begin(ctx);
            var w = o.W;
            w.WriteStartObject();
            w.WriteString("system", sim.System.ToString());
            w.WriteNumber("accountCount", sim.AccountCount);
            w.WriteStartArray("entitlementTypes");
            foreach (var t in types) w.WriteStringValue(t);
            w.WriteEndArray();
            w.WriteStartArray("accounts");
            foreach (var a in sim.EnumerateAccounts().Take(limit))
            {
                w.WriteStartObject();
                w.WriteString("id", a.Id);
                w.WriteString("name", a.Name);
                w.WriteBoolean("active", a.Active);
                w.WriteStartObject("attributes");
                foreach (var kv in a.Attributes)
                    if (kv.Value is null) w.WriteNull(kv.Key); else w.WriteString(kv.Key, kv.Value);
                w.WriteEndObject();
                w.WriteEndObject();
                await o.Tick();
            }
            w.WriteEndArray();
            w.WriteStartObject("entitlements");
            foreach (var t in types)
            {
                w.WriteStartArray(t);
                foreach (var e in sim.GetEntitlements(t))
                {
                    w.WriteStartObject();
                    w.WriteString("id", e.Id);
                    w.WriteString("value", e.Value);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
            w.WriteStartArray("memberships");
            var n = 0;
            foreach (var t in types)
                foreach (var m in sim.EnumerateMemberships(t))
                {
                    if (n++ >= limit) break;
                    w.WriteStartObject();
                    w.WriteString("type", m.Type);
                    w.WriteString("accountId", m.AccountId);
                    w.WriteString("entitlementId", m.EntitlementId);
                    if (m.Role is not null) w.WriteString("role", m.Role);
                    w.WriteEndObject();
                    await o.Tick();
                }
            w.WriteEndArray();
            w.WriteEndObject();
        });

        g.MapGet("/credentials", (HttpContext ctx) => Http.WriteJson(ctx, 200, w =>
        {
            w.WriteStartObject();
            foreach (var kv in sim.Credentials.Values) w.WriteString(kv.Key, kv.Value);
            w.WriteEndObject();
        }));

        g.MapPost("/reset", (HttpContext ctx) =>
        {
            sim.Reset();
            sim.Faults.Clear();
            sim.Log.Clear();
            return Http.WriteJson(ctx, 200, w => { w.WriteStartObject(); w.WriteNumber("accountCount", sim.AccountCount); w.WriteEndObject(); });
        });

        g.MapPost("/expire-tokens", (HttpContext ctx) =>
        {
            if (Http.QueryInt(ctx, "lifetimeSeconds") is { } s) sim.Options.TokenLifetime = TimeSpan.FromSeconds(s);
            sim.ExpireTokens();
            return Http.WriteJson(ctx, 200, w => { w.WriteStartObject(); w.WriteString("status", "expired"); w.WriteEndObject(); });
        });

        g.MapPost("/token-lifetime", (HttpContext ctx) =>
        {
            sim.Options.TokenLifetime = TimeSpan.FromSeconds(Http.QueryInt(ctx, "seconds") ?? 3600);
            return Http.WriteJson(ctx, 200, w => { w.WriteStartObject(); w.WriteNumber("seconds", sim.Options.TokenLifetime.TotalSeconds); w.WriteEndObject(); });
        });

        g.MapPost("/mutate", async (HttpContext ctx) =>
        {
            var body = await Http.JsonBody(ctx) as JObject;
            if (body is null)
            {
                await AdminError(ctx, "JSON object body required");
                return;
            }
            string S(string n) => body.Str(n) ?? throw new ArgumentException($"'{n}' is required");
            try
            {
                object result = body.Str("op") switch
                {
                    "addAccount" => sim.AddAccount(S("name"), Http.Bool(body.Str("active")) ?? true),
                    "removeAccount" => sim.RemoveAccount(S("id")),
                    "renameAccount" => sim.RenameAccount(S("id"), S("name")),
                    "setActive" => sim.SetAccountActive(S("id"), Http.Bool(S("active")) ?? true),
                    "addEntitlement" => sim.AddEntitlement(S("type"), S("name")),
                    "removeEntitlement" => sim.RemoveEntitlement(S("type"), S("id")),
                    "renameEntitlement" => sim.RenameEntitlement(S("type"), S("id"), S("name")),
                    "addMembership" => sim.AddMembership(S("type"), S("accountId"), S("entitlementId")),
                    "removeMembership" => sim.RemoveMembership(S("type"), S("accountId"), S("entitlementId")),
                    "moveMembership" => sim.MoveMembership(S("type"), S("accountId"), S("fromEntitlementId"), S("toEntitlementId")),
                    "expireTokens" => Run(sim.ExpireTokens),
                    _ => throw new ArgumentException("unknown op; use addAccount, removeAccount, renameAccount, setActive, addEntitlement, removeEntitlement, renameEntitlement, addMembership, removeMembership, moveMembership, expireTokens"),
                };
                await Http.WriteJson(ctx, 200, w =>
                {
                    w.WriteStartObject();
                    switch (result)
                    {
                        case bool b: w.WriteBoolean("ok", b); break;
                        case SimAccount a: w.WriteBoolean("ok", true); w.WriteString("id", a.Id); w.WriteString("name", a.Name); break;
                        case SimEntitlement e: w.WriteBoolean("ok", true); w.WriteString("id", e.Id); w.WriteString("value", e.Value); break;
                        default: w.WriteBoolean("ok", true); break;
                    }
                    w.WriteEndObject();
                });
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or InvalidOperationException)
            {
                await AdminError(ctx, ex.Message);
            }
        });

        g.MapGet("/faults", (HttpContext ctx) => Http.WriteJson(ctx, 200, w =>
        {
            w.WriteStartArray();
            foreach (var r in sim.Faults.Rules) WriteRule(w, r);
            w.WriteEndArray();
        }));

        g.MapPost("/faults", async (HttpContext ctx) =>
        {
            var b = await Http.JsonBody(ctx) as JObject;
            if (b is null || !Enum.TryParse<FaultKind>(b.Str("kind"), true, out var kind))
            {
                await AdminError(ctx, "body {kind, pathPattern?, method?, onCall?, skipFirst?, times?, once?, latencyMs?, retryAfterSeconds?} with kind one of " +
                                      string.Join(", ", Enum.GetNames<FaultKind>()));
                return;
            }
            var rule = new FaultRule
            {
                Kind = kind,
                PathPattern = b.Str("pathPattern") ?? "*",
                Method = b.Str("method"),
                SkipFirst = int.TryParse(b.Str("skipFirst"), out var sf) ? sf : 0,
                Times = int.TryParse(b.Str("times"), out var tm) ? tm : null,
                Latency = TimeSpan.FromMilliseconds(int.TryParse(b.Str("latencyMs"), out var ms) ? ms : 500),
                RetryAfterSeconds = int.TryParse(b.Str("retryAfterSeconds"), out var ra) ? ra : 1,
            };
            if (int.TryParse(b.Str("onCall"), out var n)) { rule.SkipFirst = n - 1; rule.Times = 1; }
            if (Http.Bool(b.Str("once")) == true) rule.Times = 1;
            sim.Faults.Add(rule);
            await Http.WriteJson(ctx, 201, w => WriteRule(w, rule));
        });

        g.MapDelete("/faults", (HttpContext ctx) =>
        {
            sim.Faults.Clear();
            ctx.Response.StatusCode = 204;
            return Task.CompletedTask;
        });

        g.MapDelete("/faults/{id}", (HttpContext ctx, string id) =>
        {
            ctx.Response.StatusCode = sim.Faults.Remove(id) ? 204 : 404;
            return Task.CompletedTask;
        });

        g.MapGet("/requests", async (HttpContext ctx) =>
        {
            var all = sim.Log.Snapshot();
            var limit = Http.QueryInt(ctx, "limit") ?? 100;
            await using var o = JsonOut.Begin(ctx);
            o.W.WriteStartArray();
            foreach (var r in all.Skip(Math.Max(0, all.Count - limit)))
            {
                o.W.WriteStartObject();
                o.W.WriteNumber("sequence", r.Sequence);
                o.W.WriteString("timestamp", r.Timestamp);
                o.W.WriteString("method", r.Method);
                o.W.WriteString("pathAndQuery", r.PathAndQuery);
                o.W.WriteNumber("status", r.Status);
                o.W.WriteStartObject("headers");
                foreach (var h in r.Headers) o.W.WriteString(h.Key, h.Value);
                o.W.WriteEndObject();
                o.W.WriteString("body", r.Body);
                o.W.WriteEndObject();
                await o.Tick();
            }
            o.W.WriteEndArray();
        });

        g.MapDelete("/requests", (HttpContext ctx) =>
        {
            sim.Log.Clear();
            ctx.Response.StatusCode = 204;
            return Task.CompletedTask;
        });
    }

    private static bool Run(Action a)
    {
        a();
        return true;
    }

    private static void WriteRule(Utf8JsonWriter w, FaultRule r)
    {
        w.WriteStartObject();
        w.WriteString("id", r.Id);
        w.WriteString("kind", r.Kind.ToString());
        w.WriteString("pathPattern", r.PathPattern);
        if (r.Method is not null) w.WriteString("method", r.Method);
        w.WriteNumber("skipFirst", r.SkipFirst);
        if (r.Times is { } t) w.WriteNumber("times", t);
        w.WriteNumber("fired", r.FiredCount);
        w.WriteEndObject();
    }

    private static Task AdminError(HttpContext ctx, string message) =>
        Http.WriteJson(ctx, 400, w => { w.WriteStartObject(); w.WriteString("error", message); w.WriteEndObject(); });
}
