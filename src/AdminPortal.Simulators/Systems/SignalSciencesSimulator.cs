using System.Globalization;
using System.Text.Json;
using AdminPortal.Simulators.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Simulators.Systems;

/// <summary>Signal Sciences (Fastly NGWAF) dashboard API /api/v0: corps, corp users, sites, site members.</summary>
internal sealed class SignalSciencesSimulator : SimulatorBase
{
    private static readonly string[] SiteRoles = { "owner", "admin", "user", "observer" };
    private static readonly string[] SiteNames = { "staging", "www", "api", "checkout", "admin-portal", "mobile", "partners", "blog", "search", "payments" };
    private const int RoleUser = 2;

    private AccountTable Users => AccountTables[0];
    private EntTable Sites => EntTables[0];
    private string Corp => Options.CorpName;
    public override string ApiPrefix => "/api/v0";

    public SignalSciencesSimulator(SimulatorOptions o) : base(o)
    {
        AccountTables = new[]
        {
            new AccountTable("users", x => Names.EmailOf(Seed, x, "corp.example.com"), (string id, out long ord) => { ord = TrailingOrdinal(id); return ord >= 0; },
                StringComparer.OrdinalIgnoreCase)
            {
                Derive = DeriveUser,
                DeriveLinks = ord => DefaultLinks(ord, 0, Sites.SeededCount, 51, h => (int)(h % 10) switch { 0 => 1, 1 or 2 => 3, _ => 2 }),
            },
        };
        EntTables = new[] { new EntTable("Site", StringComparer.OrdinalIgnoreCase) };
    }

    private static long TrailingOrdinal(string email)
    {
        var at = email.IndexOf('@');
        if (at < 0) return -1;
        var start = at;
        while (start > 0 && char.IsAsciiDigit(email[start - 1])) start--;
        return start < at && at - start <= 9 ? long.Parse(email.AsSpan(start, at - start), CultureInfo.InvariantCulture) : -1;
    }

    public override SimulatedSystem System => SimulatedSystem.SignalSciences;
    public override IReadOnlyList<string> EntitlementTypes { get; } = new[] { "Site" };

    private string? DeriveUser(int o, string f) => f switch
    {
        "name" => $"{Names.FirstOf(Seed, o)} {Names.LastOf(Seed, o)}",
        "role" => o == 0 ? "owner" : Percent(o, 61) switch { < 5 => "admin", < 15 => "observer", _ => "user" },
        "status" => Percent(o, 62) < 5 ? "invited" : "active",
        "mfaEnabled" => Percent(o, 63) < 40 ? "true" : "false",
        "authStatus" => "none",
        "created" => Names.Iso(Names.CreatedOf(Seed, o)),
        _ => null,
    };

    protected override void IssueStaticCredentials(bool rotate)
    {
        Creds["email"] = $"api-admin@{Corp}.example.com";
        if (!rotate) Creds["password"] = Secret("sigsci-pw", 20);
        Creds["corp"] = Corp;
        Creds["x-api-user"] = Creds["email"];
        Creds["x-api-token"] = rotate ? Guid.NewGuid().ToString() : Ids.Uuid(Seed, 600, 0);
        Creds["login_url"] = "{BaseUrl}api/v0/auth";
    }

    protected override void SeedStore()
    {
        var n = Math.Max(1, Options.EntitlementsPerType); // "staging" always exists (the package hard-codes it)
        for (int i = 0; i < n; i++) NewSite(i < SiteNames.Length ? SiteNames[i] : $"site-{i + 1:D3}", null, Names.BaseTime.AddDays(-100 + i));
        Sites.SeededCount = n;
        Users.Reserve(Options.Accounts);
        for (int i = 0; i < Options.Accounts; i++) Users.AddSeeded(true);
    }

    private Ent NewSite(string name, string? displayName, DateTime created)
    {
        var e = Sites.Add(new Ent { Ordinal = Sites.NextOrdinal, Id = name, Name = displayName ?? Title(name), Created = created, Updated = created });
        e.Extra["agentLevel"] = "log";
        e.Extra["blockHTTPCode"] = "406";
        e.Extra["blockDurationSeconds"] = "86400";
        return e;
    }

    private static string Title(string name) => string.Join(" ", name.Split('-', '_').Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));

    private bool IsActive(Row r) => Users.Get(r, "status") == "active";

    // ---------------- auth ----------------

    public override bool IsPublic(PathString path) =>
        path.Equals("/api/v0/auth", StringComparison.OrdinalIgnoreCase);

    public override async Task<bool> Authenticate(HttpContext ctx)
    {
        var user = ctx.Request.Headers["x-api-user"].ToString();
        var token = ctx.Request.Headers["x-api-token"].ToString();
        string expectedUser, expectedToken;
        lock (Sync) (expectedUser, expectedToken) = (Creds["x-api-user"], Creds["x-api-token"]);
        if (token.Length > 0 && string.Equals(user, expectedUser, StringComparison.OrdinalIgnoreCase) && token == expectedToken) return true;
        var bearer = Http.Bearer(ctx);
        if (bearer is not null && (Tokens.IsValid(bearer) || (!Options.Strict && bearer == expectedToken))) return true;
        await Message(ctx, 401, "Not authorized");
        return false;
    }

    public override Task WriteError(HttpContext ctx, int status, string message, int? bodyStatus = null) => Message(ctx, status, message);

    private static Task Message(HttpContext ctx, int status, string message)
    {
        ctx.Response.Headers["x-request-id"] = Guid.NewGuid().ToString("N");
        return Http.WriteJson(ctx, status, w => { w.WriteStartObject(); w.WriteString("message", message); w.WriteEndObject(); });
    }

    public override (int Limit, TimeSpan Window, bool RetryAfter, bool IdleBlock) RateLimitDefaults => (1000, TimeSpan.FromMinutes(1), true, false);

    public override Task WriteRateLimited(HttpContext ctx, int retryAfter, bool sendRetryAfter)
    {
        if (sendRetryAfter) ctx.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        return Message(ctx, 429, "rate limit exceeded");
    }

    private async Task Login(HttpContext ctx)
    {
        var f = await Http.FlatBody(ctx);
        if (!string.Equals(f.GetValueOrDefault("email"), Creds["email"], StringComparison.OrdinalIgnoreCase) || f.GetValueOrDefault("password") != Creds["password"])
        {
            await Message(ctx, 401, "Invalid email or password");
            return;
        }
        var token = Tokens.Issue(Options.TokenLifetime);
        await Http.WriteJson(ctx, 200, w => { w.WriteStartObject(); w.WriteString("token", token); w.WriteEndObject(); });
    }

    // ---------------- JSON ----------------

    private void WriteUser(Utf8JsonWriter w, Row r)
    {
        var email = Users.IdOf(r);
        w.WriteStartObject();
        w.WriteString("name", Users.Get(r, "name"));
        w.WriteString("email", email);
        w.WriteString("role", Users.Get(r, "role"));
        w.WriteString("status", Users.Get(r, "status"));
        w.WriteBoolean("mfaEnabled", Users.Get(r, "mfaEnabled") == "true");
        w.WriteString("authStatus", Users.Get(r, "authStatus"));
        w.WriteString("created", Users.Get(r, "created"));
        w.WriteBoolean("apiUser", false);
        w.WriteBoolean("accessTokenAllowed", true);
        w.WriteBoolean("ssoProvisioned", false);
        w.WriteStartObject("announcements"); w.WriteString("uri", "/api/v0/user/announcements"); w.WriteEndObject();
        w.WriteStartObject("defaultDashboards"); w.WriteString("uri", "/api/v0/user/defaultDashboards"); w.WriteEndObject();
        w.WriteStartObject("accessTokens"); w.WriteString("uri", "/api/v0/user/apitokens"); w.WriteEndObject();
        w.WriteStartObject("memberships");
        w.WriteStartArray("data");
        foreach (var l in LiveLinks(Users, r))
        {
            w.WriteStartObject();
            w.WriteStartObject("site"); w.WriteString("name", l.Ent.Id); w.WriteEndObject();
            w.WriteString("role", SiteRoles[l.Role]);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("uri", $"/api/v0/corps/{Corp}/users/{email}/memberships");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private void WriteSite(Utf8JsonWriter w, Ent s)
    {
        var b = $"/api/v0/corps/{Corp}/sites/{s.Id}";
        w.WriteStartObject();
        w.WriteString("name", s.Id);
        w.WriteString("displayName", s.Name);
        w.WriteString("agentLevel", s.Extra.GetValueOrDefault("agentLevel"));
        w.WriteString("agentAnonMode", "");
        w.WriteNumber("blockHTTPCode", int.Parse(s.Extra.GetValueOrDefault("blockHTTPCode") ?? "406", CultureInfo.InvariantCulture));
        w.WriteNumber("blockDurationSeconds", int.Parse(s.Extra.GetValueOrDefault("blockDurationSeconds") ?? "86400", CultureInfo.InvariantCulture));
        w.WriteString("blockRedirectURL", "");
        w.WriteString("created", Names.Iso(s.Created));
        w.WriteBoolean("immediateBlock", false);
        w.WriteStartArray("clientIPRules"); w.WriteEndArray();
        w.WriteStartArray("attackThresholds");
        w.WriteStartObject(); w.WriteNumber("interval", 1); w.WriteNumber("threshold", 25); w.WriteEndObject();
        w.WriteEndArray();
        foreach (var (k, suffix) in new[]
                 {
                     ("members", "members"), ("whitelist", "whitelist"), ("blacklist", "blacklist"), ("events", "events"), ("requests", "requests"),
                     ("redactions", "redactions"), ("suspiciousIPs", "suspiciousIPs"), ("monitors", "monitors"), ("integrations", "integrations"),
                     ("headerLinks", "headerLinks"), ("agents", "agents"), ("alerts", "alerts"),
                 })
        {
            w.WriteStartObject(k);
            w.WriteString("uri", $"{b}/{suffix}");
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private void WriteMember(Utf8JsonWriter w, Row r, int role)
    {
        w.WriteStartObject();
        w.WriteStartObject("user");
        w.WriteString("name", Users.Get(r, "name"));
        w.WriteString("email", Users.IdOf(r));
        w.WriteString("status", Users.Get(r, "status"));
        w.WriteEndObject();
        w.WriteString("role", SiteRoles[role]);
        w.WriteEndObject();
    }

    private static byte[] Render(Action<Utf8JsonWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, Http.WriterOptions)) write(w);
        return ms.ToArray();
    }

    private static async Task Send(HttpContext ctx, int status, byte[] json)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync(json, ctx.RequestAborted);
    }

    private void WriteCorp(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("name", Corp);
        w.WriteString("displayName", Title(Corp));
        w.WriteString("smallIconURI", "");
        w.WriteString("created", Names.Iso(Names.BaseTime.AddYears(-1)));
        w.WriteNumber("siteLimit", 100);
        w.WriteStartObject("sites"); w.WriteString("uri", $"/api/v0/corps/{Corp}/sites"); w.WriteEndObject();
        w.WriteString("authType", "builtin");
        w.WriteNumber("sessionMaxAgeDashboard", 1209600);
        w.WriteNumber("apiTokenMaxAge", 0);
        w.WriteBoolean("restrictedAccessTokens", false);
        w.WriteBoolean("ssoProvisioningConfigured", false);
        w.WriteEndObject();
    }

    /// <summary>Corp role: accepts current (owner|admin|user|observer) and legacy (corpOwner…) names; returns the short form.</summary>
    private string? CorpRole(string? role)
    {
        if (string.IsNullOrWhiteSpace(role)) return null;
        var r = role.Trim();
        if (r.StartsWith("corp", StringComparison.OrdinalIgnoreCase) && !Options.Strict) r = r[4..];
        r = r.ToLowerInvariant();
        return SiteRoles.Contains(r) ? r : "";
    }

    private static int SiteRole(string? role) => role is null ? RoleUser : Array.IndexOf(SiteRoles, role.Trim().ToLowerInvariant());

    // ---------------- routes ----------------

    public override void MapRoutes(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v0/auth", Login);
        app.MapGet("/api/v0/auth/logout", ctx =>
        {
            if (Http.Bearer(ctx) is { } t) Tokens.Revoke(t);
            ctx.Response.StatusCode = 204;
            return Task.CompletedTask;
        });
        app.MapGet("/api/v0/corps", ctx => Http.WriteJson(ctx, 200, w => { w.WriteStartObject(); w.WriteStartArray("data"); WriteCorp(w); w.WriteEndArray(); w.WriteEndObject(); }));

        var g = app.MapGroup("/api/v0/corps/{corp}");
        g.AddEndpointFilter(async (fctx, next) =>
        {
            if (!string.Equals(fctx.HttpContext.Request.RouteValues["corp"]?.ToString(), Corp, StringComparison.Ordinal))
            {
                await Message(fctx.HttpContext, 404, "Corp not found");
                return Results.Empty;
            }
            return await next(fctx);
        });
        g.MapGet("", ctx => Http.WriteJson(ctx, 200, WriteCorp));

        g.MapGet("/users", async ctx =>
        {
            List<Row> all;
            lock (Sync) all = Users.Live.ToList();
            await using var o = JsonOut.Begin(ctx);
            o.W.WriteStartObject();
            o.W.WriteStartArray("data");
            foreach (var r in all)
            {
                lock (Sync) WriteUser(o.W, r);
                await o.Tick();
            }
            o.W.WriteEndArray();
            o.W.WriteEndObject();
        });
        g.MapGet("/users/{email}", async (HttpContext ctx, string email) =>
        {
            byte[]? json;
            lock (Sync) json = Users.Find(email) is { } r ? Render(w => WriteUser(w, r)) : null;
            await (json is null ? Message(ctx, 404, "User not found") : Send(ctx, 200, json));
        });
        g.MapGet("/users/{email}/memberships", async (HttpContext ctx, string email) =>
        {
            byte[]? json;
            lock (Sync)
                json = Users.Find(email) is { } r
                    ? Render(w =>
                    {
                        w.WriteStartObject();
                        w.WriteStartArray("data");
                        foreach (var l in LiveLinks(Users, r))
                        {
                            w.WriteStartObject();
                            w.WriteStartObject("site"); w.WriteString("name", l.Ent.Id); w.WriteString("displayName", l.Ent.Name); w.WriteEndObject();
                            w.WriteString("role", SiteRoles[l.Role]);
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                        w.WriteEndObject();
                    })
                    : null;
            await (json is null ? Message(ctx, 404, "User not found") : Send(ctx, 200, json));
        });
        g.MapPost("/users/{email}/invite", Invite);
        g.MapPatch("/users/{email}", UpdateUser);
        g.MapDelete("/users/{email}", async (HttpContext ctx, string email) =>
        {
            bool ok;
            lock (Sync)
            {
                var r = Users.Find(email);
                ok = r is not null;
                if (r is not null) Users.Remove(r);
            }
            if (ok) ctx.Response.StatusCode = 204; else await Message(ctx, 404, "User not found");
        });

        g.MapGet("/sites", async ctx =>
        {
            List<Ent> all;
            var name = Http.Query(ctx, "name");
            lock (Sync) all = Sites.Live.Where(s => name is null || s.Id.Contains(name, StringComparison.OrdinalIgnoreCase)).ToList();
            var limit = Http.QueryInt(ctx, "limit");
            var page = Math.Max(1, Http.QueryInt(ctx, "page") ?? 1);
            var items = limit is { } l && l > 0 ? all.Skip((page - 1) * l).Take(l).ToList() : all;
            await Http.WriteJson(ctx, 200, w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("data");
                foreach (var s in items) WriteSite(w, s);
                w.WriteEndArray();
                if (limit is not null) w.WriteNumber("totalCount", all.Count);
                w.WriteEndObject();
            });
        });
        g.MapGet("/sites/{site}", async (HttpContext ctx, string site) =>
        {
            Ent? s;
            lock (Sync) s = Sites.Find(site);
            await (s is null ? Message(ctx, 404, "Site not found") : Send(ctx, 200, Render(w => WriteSite(w, s))));
        });
        g.MapPost("/sites", async ctx =>
        {
            var b = await Http.JsonBody(ctx) as JObject;
            var name = b?.Str("name");
            if (string.IsNullOrWhiteSpace(name) || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            {
                await Message(ctx, 400, "Invalid site name");
                return;
            }
            Ent? s = null;
            lock (Sync)
                if (Sites.Find(name) is null)
                {
                    s = NewSite(name, b!.Str("displayName"), DateTime.UtcNow);
                    if (b.Str("agentLevel") is { } al) s.Extra["agentLevel"] = al;
                }
            await (s is null ? Message(ctx, 409, "Site already exists") : Send(ctx, 200, Render(w => WriteSite(w, s))));
        });
        g.MapPatch("/sites/{site}", async (HttpContext ctx, string site) =>
        {
            var b = await Http.JsonBody(ctx) as JObject;
            Ent? s;
            lock (Sync)
            {
                s = Sites.Find(site);
                if (s is not null && b is not null)
                {
                    if (b.Str("displayName") is { } dn) s.Name = dn;
                    foreach (var k in new[] { "agentLevel", "blockHTTPCode", "blockDurationSeconds" })
                        if (b.Str(k) is { } v) s.Extra[k] = v;
                    s.Updated = DateTime.UtcNow;
                }
            }
            await (s is null ? Message(ctx, 404, "Site not found") : Send(ctx, 200, Render(w => WriteSite(w, s))));
        });
        g.MapDelete("/sites/{site}", async (HttpContext ctx, string site) =>
        {
            bool ok;
            lock (Sync)
            {
                var s = Sites.Find(site);
                ok = s is not null;
                if (s is not null) Sites.Remove(s);
            }
            if (ok) ctx.Response.StatusCode = 204; else await Message(ctx, 404, "Site not found");
        });

        g.MapGet("/sites/{site}/members", async (HttpContext ctx, string site) =>
        {
            Ent? s;
            List<(Row Row, int Role)> members = new();
            lock (Sync)
            {
                s = Sites.Find(site);
                if (s is not null)
                    foreach (var r in Users.Live)
                        foreach (var l in LiveLinks(Users, r))
                            if (ReferenceEquals(l.Ent, s)) members.Add((r, l.Role));
            }
            if (s is null) { await Message(ctx, 404, "Site not found"); return; }
            await using var o = JsonOut.Begin(ctx);
            o.W.WriteStartObject();
            o.W.WriteStartArray("data");
            foreach (var (r, role) in members)
            {
                lock (Sync) WriteMember(o.W, r, role);
                await o.Tick();
            }
            o.W.WriteEndArray();
            o.W.WriteEndObject();
        });
        g.MapGet("/sites/{site}/members/{email}", async (HttpContext ctx, string site, string email) =>
        {
            byte[]? json = null;
            lock (Sync)
                if (Sites.Find(site) is { } s && Users.Find(email) is { } r && LiveLinks(Users, r).FirstOrDefault(l => ReferenceEquals(l.Ent, s)) is { Ent: not null } l)
                    json = Render(w => WriteMember(w, r, l.Role));
            await (json is null ? Message(ctx, 404, "Member not found") : Send(ctx, 200, json));
        });
        g.MapPost("/sites/{site}/members", AddMembers);
        g.MapPatch("/sites/{site}/members/{email}", async (HttpContext ctx, string site, string email) =>
        {
            var b = await Http.JsonBody(ctx) as JObject;
            var role = SiteRole(b?.Str("role"));
            string? problem = null;
            Row? row = null;
            lock (Sync)
            {
                var s = Sites.Find(site);
                row = Users.Find(email);
                if (s is null) problem = "Site not found";
                else if (row is null) problem = "User not found";
                else if (role < 0) problem = null;
                else
                {
                    RemoveLink(Users, row, 0, s);
                    AddLink(Users, row, 0, s, role);
                }
            }
            if (role < 0) { await Message(ctx, 400, "Invalid role"); return; }
            if (problem is not null) { await Message(ctx, 404, problem); return; }
            await Http.WriteJson(ctx, 200, w =>
            {
                w.WriteStartObject();
                w.WriteString("email", email);
                w.WriteString("role", SiteRoles[role]);
                lock (Sync) w.WriteString("status", Users.Get(row!, "status"));
                w.WriteEndObject();
            });
        });
        g.MapPost("/sites/{site}/members/{email}/invite", async (HttpContext ctx, string site, string email) =>
        {
            var b = await Http.JsonBody(ctx) as JObject;
            var role = SiteRole(b?.Str("role"));
            if (role < 0) { await Message(ctx, 400, "Invalid role"); return; }
            string? status = null;
            lock (Sync)
                if (Sites.Find(site) is { } s)
                {
                    var r = Users.Find(email) ?? NewUser(email, "user", "invited");
                    RemoveLink(Users, r, 0, s);
                    AddLink(Users, r, 0, s, role);
                    status = Users.Get(r, "status");
                }
            if (status is null) { await Message(ctx, 404, "Site not found"); return; }
            await Http.WriteJson(ctx, 200, w => { w.WriteStartObject(); w.WriteString("email", email); w.WriteString("role", SiteRoles[role]); w.WriteString("status", status); w.WriteEndObject(); });
        });
        g.MapDelete("/sites/{site}/members/{email}", async (HttpContext ctx, string site, string email) =>
        {
            bool ok;
            lock (Sync) ok = Sites.Find(site) is { } s && Users.Find(email) is { } r && RemoveLink(Users, r, 0, s);
            if (ok) ctx.Response.StatusCode = 204; else await Message(ctx, 404, "Member not found");
        });
    }

    private Row NewUser(string email, string role, string status)
    {
        var name = Title(email.Split('@')[0].Replace('.', ' ').Replace(' ', '-'));
        return Users.AddNew(new Dictionary<string, string?>
        {
            ["id"] = email, ["name"] = name.Replace('-', ' '), ["role"] = role, ["status"] = status, ["mfaEnabled"] = "false", ["authStatus"] = "none",
            ["created"] = Names.Iso(DateTime.UtcNow),
        }, status == "active");
    }

    /// <summary>Parses memberships {data:[{site:{name}, role?}]}; returns null and a problem on bad input.</summary>
    private List<(Ent Site, int Role)>? ParseMemberships(JToken? memberships, out string? problem)
    {
        problem = null;
        var result = new List<(Ent, int)>();
        if (memberships?["data"] is not JArray data) return result;
        foreach (var m in data.OfType<JObject>())
        {
            var name = m["site"]?.Str("name");
            var site = name is null ? null : Sites.Find(name);
            if (site is null) { problem = $"Site {name} not found"; return null; }
            var role = SiteRole(m.Str("role"));
            if (role < 0) { problem = $"Invalid site role {m.Str("role")}"; return null; }
            result.Add((site, role));
        }
        return result;
    }

    private async Task Invite(HttpContext ctx, string email)
    {
        var b = await Http.JsonBody(ctx) as JObject;
        var role = CorpRole(b?.Str("role")) ?? "user";
        if (role == "" || !email.Contains('@')) { await Message(ctx, 400, role == "" ? "Invalid role" : "Invalid email"); return; }
        byte[]? json = null;
        string? problem = null;
        var status = 200;
        lock (Sync)
        {
            var memberships = ParseMemberships(b?["memberships"], out problem);
            if (memberships is null) status = 400;
            else if (Users.Find(email) is not null) (status, problem) = (409, "User already exists in corp");
            else
            {
                var r = NewUser(email, role, "invited");
                foreach (var (site, siteRole) in memberships) AddLink(Users, r, 0, site, siteRole);
                json = Render(w => WriteUser(w, r));
            }
        }
        await (json is null ? Message(ctx, status, problem!) : Send(ctx, 200, json));
    }

    /// <summary>PATCH user: role and/or memberships; listed memberships are added/updated, others kept [G].</summary>
    private async Task UpdateUser(HttpContext ctx, string email)
    {
        var b = await Http.JsonBody(ctx) as JObject;
        var role = CorpRole(b?.Str("role"));
        if (role == "") { await Message(ctx, 400, "Invalid role"); return; }
        byte[]? json = null;
        string? problem = null;
        var status = 200;
        lock (Sync)
        {
            var r = Users.Find(email);
            var memberships = ParseMemberships(b?["memberships"], out problem);
            if (r is null) (status, problem) = (404, "User not found");
            else if (memberships is null) status = 400;
            else
            {
                if (role is not null) Users.Set(r, "role", role);
                foreach (var (site, siteRole) in memberships)
                {
                    RemoveLink(Users, r, 0, site);
                    AddLink(Users, r, 0, site, siteRole);
                }
                r.Version++;
                json = Render(w => WriteUser(w, r));
            }
        }
        await (json is null ? Message(ctx, status, problem!) : Send(ctx, 200, json));
    }

    private async Task AddMembers(HttpContext ctx, string site)
    {
        var b = await Http.JsonBody(ctx) as JObject;
        var emails = (b?["members"] as JArray)?.Select(x => x.Type == JTokenType.Object ? x.Str("email") : x.ToString()).Where(x => !string.IsNullOrWhiteSpace(x)).Select(x => x!.Trim()).ToList();
        if (emails is null || emails.Count == 0) { await Message(ctx, 400, "members must be a non-empty list of emails"); return; }
        var added = new List<(Row Row, int Role)>();
        string? problem = null;
        var status = 200;
        lock (Sync)
        {
            var s = Sites.Find(site);
            if (s is null) (status, problem) = (404, "Site not found");
            else
            {
                var rows = emails.Select(e => (Email: e, Row: Users.Find(e))).ToList();
                if (rows.FirstOrDefault(x => x.Row is null) is { Email: not null } missing) (status, problem) = (404, $"User {missing.Email} not found");
                else if (rows.All(x => HasLink(Users, x.Row!, 0, s))) (status, problem) = (409, "User is already a member of the site");
                else
                    foreach (var (_, r) in rows)
                    {
                        AddLink(Users, r!, 0, s, RoleUser);
                        added.Add((r!, LiveLinks(Users, r!).First(l => ReferenceEquals(l.Ent, s)).Role));
                    }
            }
        }
        if (problem is not null) { await Message(ctx, status, problem); return; }
        await Http.WriteJson(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("data");
            lock (Sync)
                foreach (var (r, role) in added) WriteMember(w, r, role);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    // ---------------- neutral ----------------

    protected override SimAccount ToNeutral(AccountTable t, Row r) => new(t.IdOf(r), t.Get(r, "name")!, IsActive(r),
        new Dictionary<string, string?>
        {
            ["email"] = t.IdOf(r), ["name"] = t.Get(r, "name"), ["role"] = t.Get(r, "role"), ["status"] = t.Get(r, "status"), ["mfaEnabled"] = t.Get(r, "mfaEnabled"),
            ["authStatus"] = t.Get(r, "authStatus"), ["created"] = t.Get(r, "created"),
        });

    protected override SimEntitlement EntToNeutral(int type, Ent e) => new("Site", e.Id, e.Name, new Dictionary<string, string?>(e.Extra) { ["created"] = Names.Iso(e.Created) });

    protected override string? RoleName(int type, int role) => SiteRoles[role];

    protected override (AccountTable, Row) NeutralCreate(string name, bool active)
    {
        var email = name.Contains('@') ? name : name.Trim().ToLowerInvariant().Replace(' ', '.') + "@corp.example.com";
        if (Users.Find(email) is not null) throw new InvalidOperationException("User exists: " + email);
        var r = NewUser(email, "user", active ? "active" : "invited");
        if (!name.Contains('@')) Users.Set(r, "name", name);
        return (Users, r);
    }

    protected override void NeutralRename(AccountTable t, Row r, string name) => t.Set(r, "name", name);

    protected override bool NeutralSetActive(AccountTable t, Row r, bool active)
    {
        t.Set(r, "status", active ? "active" : "invited");
        r.Active = active;
        return true;
    }

    protected override Ent NeutralCreateEnt(int type, string name)
    {
        var key = name.Trim().ToLowerInvariant().Replace(' ', '-');
        if (Sites.Find(key) is not null) throw new InvalidOperationException("Site exists: " + key);
        return NewSite(key, name, DateTime.UtcNow);
    }

    protected override bool NeutralAddMembership(int type, AccountTable t, Row r, Ent e) => AddLink(t, r, type, e, RoleUser);
}
