using System.Globalization;
using System.Text.Json;
using AdminPortal.Simulators.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AdminPortal.Simulators.Systems;

/// <summary>Bynder portal API: /api/v4/users (form or JSON bodies), /api/v4/profiles, /api/groups/list, permanent token
/// or OAuth2 client credentials at /v6/authentication/oauth2/token.</summary>
internal sealed class BynderSimulator : SimulatorBase
{
    private const int UserSalt = 700, GroupSalt = 710, ProfileSalt = 720;
    private static readonly (string Name, string[] Roles)[] ProfileDefs =
    {
        ("Admin", new[] { "GROUPMANAGEMENT", "USERMANAGEMENT", "PERMISSIONMANAGEMENT", "MEDIAUPLOAD", "ASSETBANKMANAGEMENT" }),
        ("Standard User", new[] { "MEDIAVIEW", "MEDIADOWNLOAD" }),
        ("Brand Manager", new[] { "MEDIAUPLOAD", "MEDIAVIEW", "MEDIAEDIT", "COLLECTIONMANAGEMENT" }),
        ("Viewer", new[] { "MEDIAVIEW" }),
    };
    private static readonly string[] GroupNames = { "Marketing", "Sales", "Design", "Agency Partners", "Legal Review", "Product", "HR", "Regional EMEA", "Regional APAC", "Executives" };

    private AccountTable Users => AccountTables[0];
    private EntTable Groups => EntTables[0];
    private string ProfileId(int i) => Ids.CfUuid(Seed, ProfileSalt, i);

    public BynderSimulator(SimulatorOptions o) : base(o)
    {
        AccountTables = new[]
        {
            new AccountTable("users", x => Ids.CfUuid(Seed, UserSalt, x), (string id, out long ord) => Ids.TryParseCfUuid(id, Seed, UserSalt, out ord), StringComparer.OrdinalIgnoreCase)
            {
                Derive = DeriveUser,
                DeriveLinks = ord => DefaultLinks(ord, 0, Groups.SeededCount, 71),
                UniqueField = "username",
            },
        };
        EntTables = new[] { new EntTable("Group", StringComparer.OrdinalIgnoreCase) };
    }

    public override SimulatedSystem System => SimulatedSystem.Bynder;
    public override IReadOnlyList<string> EntitlementTypes { get; } = new[] { "Group" };

    private string? DeriveUser(int o, string f) => f switch
    {
        "username" or "email" => Names.EmailOf(Seed, o, "brand.example.com"),
        "email2" => "",
        "firstname" => Names.FirstOf(Seed, o),
        "lastname" => Names.LastOf(Seed, o),
        "profileId" => ProfileId((int)(Ids.Hash(Seed, o, 72) % 10) switch { 0 => 0, 1 or 2 => 2, 3 => 3, _ => 1 }),
        "salesrepId" => "",
        "employeeNumber" => $"E{10000 + o}",
        "timeZone" => "Europe/Amsterdam",
        "country" => "NL",
        "language" => "en_US",
        "lastLogin" => Names.Iso(Names.CreatedOf(Seed, o).AddDays(15)),
        "created" => Names.Iso(Names.CreatedOf(Seed, o)),
        _ => null,
    };

    private string Name(Row r) => $"{Users.Get(r, "firstname")} {Users.Get(r, "lastname")}".Trim();

    protected override void IssueStaticCredentials(bool rotate)
    {
        Creds["token"] = "perm-" + Secret("bynder", 40, random: rotate);
        Creds["Authorization"] = "Bearer " + Creds["token"];
        if (!rotate)
        {
            Creds["client_id"] = Ids.Uuid(Seed, 730, 0);
            Creds["client_secret"] = Secret("bynder-oauth", 40);
            Creds["token_url"] = "{BaseUrl}v6/authentication/oauth2/token";
        }
    }

    protected override void SeedStore()
    {
        var n = Math.Max(0, Options.EntitlementsPerType);
        for (int i = 0; i < n; i++)
        {
            var created = Names.BaseTime.AddDays(-50 + i);
            Groups.Add(new Ent { Ordinal = i, Id = Ids.Uuid(Seed, GroupSalt, i), Name = i < GroupNames.Length ? GroupNames[i] : $"Group {i + 1:D3}", Created = created, Updated = created });
        }
        Groups.SeededCount = n;
        Users.Reserve(Options.Accounts);
        for (int i = 0; i < Options.Accounts; i++) Users.AddSeeded(Percent(i, 1) >= 10);
    }

    // ---------------- auth ----------------

    public override bool IsPublic(PathString path) => path.StartsWithSegments("/v6/authentication/oauth2/token", StringComparison.OrdinalIgnoreCase);

    public override async Task<bool> Authenticate(HttpContext ctx)
    {
        var t = Http.Bearer(ctx);
        string perm;
        lock (Sync) perm = Creds["token"];
        if (t is not null && (t == perm || Tokens.IsValid(t))) return true;
        await Unauthorized(ctx);
        return false;
    }

    private Task Unauthorized(HttpContext ctx) =>
        Options.BynderPlainText401 ? Http.WriteText(ctx, 401, "Invalid or expired token.") : Message(ctx, 401, "Invalid or expired token.");

    public override Task WriteError(HttpContext ctx, int status, string message, int? bodyStatus = null) =>
        status == 401 ? Unauthorized(ctx) : Message(ctx, status, message);

    private static Task Message(HttpContext ctx, int status, string message) =>
        Http.WriteJson(ctx, status, w => { w.WriteStartObject(); w.WriteString("message", message); w.WriteEndObject(); });

    /// <summary>4500 requests per rolling 5 minutes; the block lifts after 5 minutes without requests; no Retry-After.</summary>
    public override (int Limit, TimeSpan Window, bool RetryAfter, bool IdleBlock) RateLimitDefaults => (4500, TimeSpan.FromMinutes(5), false, true);

    public override Task WriteRateLimited(HttpContext ctx, int retryAfter, bool sendRetryAfter)
    {
        if (sendRetryAfter) ctx.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        return Message(ctx, 429, "Too Many Requests");
    }

    private async Task OAuthToken(HttpContext ctx)
    {
        var f = await Http.FlatBody(ctx);
        var basic = Http.Basic(ctx);
        var id = basic?.User ?? f.GetValueOrDefault("client_id");
        var secret = basic?.Password ?? f.GetValueOrDefault("client_secret");
        var grant = f.GetValueOrDefault("grant_type");
        if (id != Creds["client_id"] || secret != Creds["client_secret"])
        {
            await Http.WriteJson(ctx, 401, w => { w.WriteStartObject(); w.WriteString("error", "invalid_client"); w.WriteString("error_description", "Client authentication failed"); w.WriteEndObject(); });
            return;
        }
        if (grant is not ("client_credentials" or "refresh_token") || (grant == "refresh_token" && !Tokens.RedeemRefresh(f.GetValueOrDefault("refresh_token") ?? "")))
        {
            await Http.WriteJson(ctx, 400, w => { w.WriteStartObject(); w.WriteString("error", grant == "refresh_token" ? "invalid_grant" : "unsupported_grant_type"); w.WriteEndObject(); });
            return;
        }
        var life = Options.TokenLifetime;
        var token = Tokens.Issue(life, "eyJ0eXAiOiJKV1QifQ.");
        var scope = f.GetValueOrDefault("scope") ?? "offline current.user:read users:read users:write";
        var refresh = scope.Contains("offline", StringComparison.Ordinal) ? Tokens.IssueRefresh(Options.RefreshTokenLifetime) : null;
        await Http.WriteJson(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("access_token", token);
            w.WriteString("token_type", "bearer");
            w.WriteNumber("expires_in", (long)life.TotalSeconds);
            w.WriteString("scope", scope);
            if (refresh is not null) w.WriteString("refresh_token", refresh);
            w.WriteEndObject();
        });
    }

    // ---------------- JSON ----------------

    private void WriteUser(Utf8JsonWriter w, Row r, bool full)
    {
        w.WriteStartObject();
        w.WriteString("id", Users.IdOf(r));
        w.WriteString("username", Users.Get(r, "username"));
        w.WriteString("email", Users.Get(r, "email"));
        w.WriteString("email2", Users.Get(r, "email2") ?? "");
        w.WriteString("name", Name(r));
        if (full) w.WriteBoolean("active", r.Active); else w.WriteNumber("active", r.Active ? 1 : 0);
        w.WriteBoolean("isSSOOnly", false);
        w.WriteString("profileId", Users.Get(r, "profileId"));
        w.WriteString("employeeNumber", Users.Get(r, "employeeNumber") ?? "");
        w.WriteString("salesrepId", Users.Get(r, "salesrepId") ?? "");
        w.WriteString("timeZone", Users.Get(r, "timeZone") ?? "");
        w.WriteString("website", Users.Get(r, "website") ?? "");
        w.WriteString("country", Users.Get(r, "country") ?? "");
        w.WriteStartArray("groups");
        foreach (var l in LiveLinks(Users, r))
        {
            w.WriteStartObject();
            w.WriteString("id", l.Ent.Id);
            w.WriteString("name", l.Ent.Name);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (full)
        {
            foreach (var f in new[] { "firstname", "infix", "lastname", "phoneNumber", "cellphoneNumber", "department", "departmentCode", "job", "companyName", "costCenter", "legalEntity", "address", "city", "state", "county", "postalCode", "language", "gender" })
                w.WriteString(f, Users.Get(r, f) ?? "");
            w.WriteBoolean("terms", true);
            w.WriteBoolean("persisted", true);
            w.WriteString("lastLogin", Users.Get(r, "lastLogin"));
        }
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

    private static void Pagination(HttpContext ctx, int total, int page, int limit)
    {
        var h = ctx.Response.Headers;
        h["X-Pagination-TotalRecords"] = total.ToString(CultureInfo.InvariantCulture);
        h["X-Pagination-TotalPages"] = (limit <= 0 ? 1 : Math.Max(1, (total + limit - 1) / limit)).ToString(CultureInfo.InvariantCulture);
        h["X-Pagination-Page"] = page.ToString(CultureInfo.InvariantCulture);
        h["X-Pagination-Limit"] = (limit <= 0 ? total : limit).ToString(CultureInfo.InvariantCulture);
    }

    private Row? FindUser(string idOrUsername) => Users.Find(idOrUsername) ?? Users.FindByUnique(idOrUsername);

    // ---------------- routes ----------------

    public override void MapRoutes(IEndpointRouteBuilder app)
    {
        app.MapPost("/v6/authentication/oauth2/token", OAuthToken);
        app.MapGet("/api/v4/users", ListUsers);
        app.MapGet("/api/v4/users/{id}", async (HttpContext ctx, string id) =>
        {
            byte[]? json;
            lock (Sync) json = FindUser(id) is { } r ? Render(w => WriteUser(w, r, full: true)) : null;
            await (json is null ? Message(ctx, 404, "User not found.") : Send(ctx, 200, json));
        });
        app.MapGet("/api/v4/currentUser", ctx => Http.WriteJson(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("id", Ids.CfUuid(Seed, 740, 0));
            w.WriteString("username", "api.integration@brand.example.com");
            w.WriteString("email", "api.integration@brand.example.com");
            w.WriteString("profileId", ProfileId(0));
            w.WriteBoolean("active", true);
            w.WriteEndObject();
        }));
        app.MapPost("/api/v4/users", ctx => Upsert(ctx, null));
        app.MapPost("/api/v4/users/{id}", (HttpContext ctx, string id) => Upsert(ctx, id));
        app.MapDelete("/api/v4/users/{id}", async (HttpContext ctx, string id) =>
        {
            bool ok;
            lock (Sync)
            {
                var r = FindUser(id);
                ok = r is not null;
                if (r is not null) Users.Remove(r);
            }
            if (ok) ctx.Response.StatusCode = 204; else await Message(ctx, 404, "User not found.");
        });
        app.MapGet("/api/v4/profiles", ctx => Http.WriteJson(ctx, 200, w =>
        {
            w.WriteStartArray();
            for (int i = 0; i < ProfileDefs.Length; i++) WriteProfile(w, i);
            w.WriteEndArray();
        }));
        app.MapGet("/api/v4/profiles/{id}", async (HttpContext ctx, string id) =>
        {
            var i = Enumerable.Range(0, ProfileDefs.Length).FirstOrDefault(x => string.Equals(ProfileId(x), id, StringComparison.OrdinalIgnoreCase), -1);
            if (i < 0) await Message(ctx, 404, "Profile not found.");
            else await Http.WriteJson(ctx, 200, w => WriteProfile(w, i));
        });
        app.MapGet("/api/groups/list", async ctx =>
        {
            var search = Http.Query(ctx, "search_term");
            var limit = Http.QueryInt(ctx, "limit") ?? Options.DefaultPageSize ?? 20;
            var page = Math.Max(1, Http.QueryInt(ctx, "page") ?? 1);
            var desc = string.Equals(Http.Query(ctx, "sort_order"), "desc", StringComparison.OrdinalIgnoreCase);
            List<Ent> all;
            lock (Sync) all = Groups.Live.Where(g => search is null || g.Name.Contains(search, StringComparison.OrdinalIgnoreCase)).ToList();
            all = desc ? all.OrderByDescending(g => g.Name, StringComparer.OrdinalIgnoreCase).ToList() : all.OrderBy(g => g.Name, StringComparer.OrdinalIgnoreCase).ToList();
            var items = all.Skip((page - 1) * limit).Take(limit).ToList();
            Pagination(ctx, all.Count, page, limit);
            await Http.WriteJson(ctx, 200, w =>
            {
                w.WriteStartArray();
                foreach (var g in items)
                {
                    w.WriteStartObject();
                    w.WriteString("id", g.Id);
                    w.WriteString("name", g.Name);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
        });
    }

    private void WriteProfile(Utf8JsonWriter w, int i)
    {
        w.WriteStartObject();
        w.WriteString("id", ProfileId(i));
        w.WriteString("name", ProfileDefs[i].Name);
        w.WriteStartArray("roles");
        foreach (var r in ProfileDefs[i].Roles) w.WriteStringValue(r);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>GET /api/v4/users: bare array; inactive users hidden unless includeInActive; no limit → everything.</summary>
    private async Task ListUsers(HttpContext ctx)
    {
        var includeInactive = Http.Bool(Http.Query(ctx, "includeInActive")) ?? false;
        var limit = Http.QueryInt(ctx, "limit") ?? 0;
        var page = Math.Max(1, Http.QueryInt(ctx, "page") ?? 1);
        List<Row> items;
        int total;
        lock (Sync)
        {
            if (includeInactive)
            {
                total = Users.Count;
                items = new List<Row>();
                var start = limit > 0 ? (page - 1) * limit : 0;
                for (int i = start; i < total && (limit <= 0 || items.Count < limit); i++) items.Add(Users[i]);
            }
            else
            {
                var active = Users.Live.Where(r => r.Active).ToList();
                total = active.Count;
                items = limit > 0 ? active.Skip((page - 1) * limit).Take(limit).ToList() : active;
            }
        }
        Pagination(ctx, total, page, limit);
        await using var o = JsonOut.Begin(ctx);
        o.W.WriteStartArray();
        foreach (var r in items)
        {
            lock (Sync) WriteUser(o.W, r, full: false);
            await o.Tick();
        }
        o.W.WriteEndArray();
    }

    private static string? Pick(Dictionary<string, string?> b, params string[] names)
    {
        foreach (var n in names)
            if (b.TryGetValue(n, out var v) && v is not null) return v;
        return null;
    }

    /// <summary>POST /api/v4/users (create, or modify when the body carries the id of an existing user — the Saviynt
    /// enable/disable form) and POST /api/v4/users/{id} (modify). Form or JSON bodies; camelCase or lowercase names.</summary>
    private async Task Upsert(HttpContext ctx, string? pathId)
    {
        var b = await Http.FlatBody(ctx);
        var bodyId = Pick(b, "id");
        if (Options.Strict && !ctx.Request.HasFormContentType)
        {
            await Message(ctx, 400, "Content-Type must be application/x-www-form-urlencoded");
            return;
        }
        string? problem = null;
        var status = 0;
        string? id = null, username = null;
        lock (Sync)
        {
            var target = pathId is not null ? FindUser(pathId) : bodyId is not null && !Options.Strict ? FindUser(bodyId) : null;
            if (pathId is not null && target is null) (status, problem) = (404, "User not found.");
            else if (target is null && bodyId is not null && pathId is null) (status, problem) = (404, "User not found.");
            else if (target is not null)
            {
                problem = Apply(target, b);
                status = problem is null ? Options.BynderModifyStatus : 400;
                (id, username) = (Users.IdOf(target), Users.Get(target, "username"));
            }
            else
            {
                var email = Pick(b, "email");
                var first = Pick(b, "firstname", "firstName");
                var last = Pick(b, "lastname", "lastName");
                var profile = Pick(b, "profileId");
                var missing = new[] { ("email", email), ("firstname", first), ("lastname", last), ("profileId", profile) }.Where(x => string.IsNullOrWhiteSpace(x.Item2)).Select(x => x.Item1).ToList();
                var uname = Pick(b, "username", "userName") ?? email;
                if (missing.Count > 0) (status, problem) = (400, "Missing required field(s): " + string.Join(", ", missing));
                else if (!ProfileExists(profile!)) (status, problem) = (400, $"Profile {profile} does not exist.");
                else if (Users.FindByUnique(uname!) is not null || Users.Live.Any(r => r.Fields is not null && string.Equals(Users.Get(r, "email"), email, StringComparison.OrdinalIgnoreCase)))
                    (status, problem) = (409, $"A user with username {uname} already exists.");
                else
                {
                    var now = Names.Iso(DateTime.UtcNow);
                    var r = Users.AddNew(new Dictionary<string, string?>
                    {
                        ["username"] = uname, ["email"] = email, ["firstname"] = first, ["lastname"] = last, ["profileId"] = profile, ["created"] = now,
                        ["lastLogin"] = null, ["email2"] = "", ["salesrepId"] = "",
                    }, true);
                    problem = Apply(r, b);
                    status = problem is null ? 201 : 400;
                    if (problem is not null) Users.Remove(r);
                    (id, username) = (Users.IdOf(r), uname);
                }
            }
        }
        if (problem is not null) { await Message(ctx, status, problem); return; }
        await Http.WriteJson(ctx, status, w => { w.WriteStartObject(); w.WriteString("id", id); w.WriteString("username", username); w.WriteEndObject(); });
    }

    private bool ProfileExists(string id) => Enumerable.Range(0, ProfileDefs.Length).Any(i => string.Equals(ProfileId(i), id, StringComparison.OrdinalIgnoreCase));

    private string? Apply(Row r, Dictionary<string, string?> b)
    {
        if (Pick(b, "username", "userName") is { } un && !string.IsNullOrWhiteSpace(un))
        {
            if (Users.FindByUnique(un) is { } other && !ReferenceEquals(other, r)) return $"A user with username {un} already exists.";
            Users.Set(r, "username", un);
        }
        if (Pick(b, "profileId") is { } p && !string.IsNullOrWhiteSpace(p))
        {
            if (!ProfileExists(p)) return $"Profile {p} does not exist.";
            Users.Set(r, "profileId", p);
        }
        if (Pick(b, "active") is { } a)
        {
            if (Http.Bool(a) is not { } act) return "active must be 1 or 0";
            r.Active = act;
        }
        if (Pick(b, "groupIds") is { } gids)
        {
            var groups = new List<(int, Ent, int)>();
            foreach (var gid in gids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (Groups.Find(gid.Trim('"', '[', ']')) is not { } g) return $"Group {gid} does not exist.";
                groups.Add((0, g, 0));
            }
            SetLinks(r, groups);
        }
        foreach (var (field, names) in new[]
                 {
                     ("email", new[] { "email" }), ("firstname", new[] { "firstname", "firstName" }), ("lastname", new[] { "lastname", "lastName" }),
                     ("infix", new[] { "infix" }), ("phoneNumber", new[] { "phoneNumber" }), ("companyName", new[] { "companyName" }),
                     ("department", new[] { "department" }), ("job", new[] { "job" }), ("costCenter", new[] { "costCenter" }), ("language", new[] { "language" }),
                     ("email2", new[] { "email2" }), ("salesrepId", new[] { "salesrepId" }),
                 })
            if (Pick(b, names) is { } v) Users.Set(r, field, v);
        r.Version++;
        return null;
    }

    // ---------------- neutral ----------------

    protected override SimAccount ToNeutral(AccountTable t, Row r) => new(t.IdOf(r), t.Get(r, "username")!, r.Active,
        new Dictionary<string, string?>
        {
            ["id"] = t.IdOf(r), ["username"] = t.Get(r, "username"), ["email"] = t.Get(r, "email"), ["email2"] = t.Get(r, "email2") ?? "", ["name"] = Name(r), ["active"] = r.Active ? "1" : "0",
            ["profileId"] = t.Get(r, "profileId"), ["salesrepId"] = t.Get(r, "salesrepId") ?? "",
        });

    protected override (AccountTable, Row) NeutralCreate(string name, bool active)
    {
        if (Users.FindByUnique(name) is not null) throw new InvalidOperationException("Username exists: " + name);
        var parts = name.Split('@')[0].Split('.', ' ');
        return (Users, Users.AddNew(new Dictionary<string, string?>
        {
            ["username"] = name, ["email"] = name.Contains('@') ? name : name + "@brand.example.com", ["firstname"] = parts[0],
            ["lastname"] = parts.Length > 1 ? parts[^1] : "", ["profileId"] = ProfileId(1), ["created"] = Names.Iso(DateTime.UtcNow), ["email2"] = "", ["salesrepId"] = "",
        }, active));
    }

    protected override void NeutralRename(AccountTable t, Row r, string name) => t.Set(r, "username", name);

    protected override Ent NeutralCreateEnt(int type, string name)
    {
        var i = Groups.NextOrdinal;
        return Groups.Add(new Ent { Ordinal = i, Id = Ids.Uuid(Seed, GroupSalt, i), Name = name, Created = DateTime.UtcNow, Updated = DateTime.UtcNow });
    }
}
