using System.Globalization;
using System.Text;
using System.Text.Json;
using AdminPortal.Simulators.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Simulators.Systems;

/// <summary>Confluent Cloud IAM/Org APIs: users, service accounts, invitations, organizations, environments, role bindings.</summary>
internal sealed class ConfluentSimulator : SimulatorBase
{
    private const int UserSalt = 300, SaSalt = 310, EnvSalt = 320, OrgSalt = 330, RbSalt = 340, InvSalt = 350;
    private const int OrgType = 0, EnvType = 1;
    private static readonly string[] Roles =
    {
        "OrganizationAdmin", "EnvironmentAdmin", "CloudClusterAdmin", "Operator", "MetricsViewer", "DeveloperRead",
        "DeveloperWrite", "DeveloperManage", "ResourceOwner", "DataSteward", "DataDiscovery", "AccountAdmin",
        "BillingAdmin", "FlinkAdmin", "FlinkDeveloper", "ResourceKeyAdmin",
    };
    private static readonly int[] EnvRoles = { 1, 3, 4, 5, 9, 10 };
    private static readonly string[] EnvNames = { "default", "production", "staging", "development", "analytics", "payments", "sandbox", "data-platform", "marketing", "qa" };

    private readonly List<Invitation> _invitations = new();
    private string _apiKey = "", _apiSecret = "";

    private sealed class Invitation
    {
        public required string Id { get; init; }
        public required string Email { get; init; }
        public string AuthType { get; init; } = "AUTH_TYPE_LOCAL";
        public string Status { get; set; } = "INVITE_STATUS_SENT";
        public DateTime Created { get; init; }
    }

    private AccountTable UsersT => AccountTables[0];
    private AccountTable Sas => AccountTables[1];
    private EntTable Orgs => EntTables[OrgType];
    private EntTable Envs => EntTables[EnvType];
    private string OrgId => Orgs.ByOrdinal(0)?.Id ?? Ids.Uuid(Seed, OrgSalt, 0);
    private string ApiHost => "https://api.confluent.cloud";

    public ConfluentSimulator(SimulatorOptions o) : base(o)
    {
        AccountTables = new[]
        {
            new AccountTable("users", x => Ids.Short("u-", Seed, UserSalt, x), (string id, out long ord) => Ids.TryParseShort(id, "u-", Seed, UserSalt, out ord), StringComparer.Ordinal)
            {
                Derive = (ord, f) => DeriveAccount(ord, f, user: true),
                DeriveLinks = ord => Links(ord, 0),
                UniqueField = "email",
            },
            new AccountTable("service-accounts", x => Ids.Short("sa-", Seed, SaSalt, x), (string id, out long ord) => Ids.TryParseShort(id, "sa-", Seed, SaSalt, out ord), StringComparer.Ordinal)
            {
                Derive = (ord, f) => DeriveAccount(ord, f, user: false),
                DeriveLinks = ord => Links(ord, 1),
                UniqueField = "display_name",
            },
        };
        EntTables = new[] { new EntTable("organization", StringComparer.Ordinal), new EntTable("environment", StringComparer.Ordinal) };
    }

    public override SimulatedSystem System => SimulatedSystem.Confluent;
    public override IReadOnlyList<string> EntitlementTypes { get; } = new[] { "organization", "environment" };

    private string? DeriveAccount(int o, string f, bool user) => f switch
    {
        "email" when user => Names.EmailOf(Seed, o),
        "full_name" when user => $"{Names.FirstOf(Seed, o)} {Names.LastOf(Seed, o)}",
        "auth_type" when user => Percent(o, 3) < 20 ? "AUTH_TYPE_SSO" : "AUTH_TYPE_LOCAL",
        "display_name" when !user => $"svc-{EnvNames[o % EnvNames.Length]}-{o}",
        "description" when !user => $"Service account {o} for {EnvNames[o % EnvNames.Length]} pipelines",
        "created_at" => Names.Rfc3339(Names.CreatedOf(Seed, o)),
        "updated_at" => Names.Rfc3339(Names.CreatedOf(Seed, o).AddDays(1)),
        _ => null,
    };

    private int[] Links(int ordinal, int salt)
    {
        var env = DefaultLinks(ordinal, EnvType, Envs.SeededCount, 20 + salt, h => EnvRoles[(int)(h % (ulong)EnvRoles.Length)]);
        if (salt == 0 && ordinal % 10 == 0 && Orgs.SeededCount > 0)
            return env.Append(Link.Pack(OrgType, 0, ordinal % 20 == 0 ? 0 : 4)).ToArray();
        return env;
    }

    protected override void IssueStaticCredentials(bool rotate)
    {
        var r = new Random(rotate ? Environment.TickCount : Seed);
        const string up = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        _apiKey = new string(Enumerable.Range(0, 16).Select(_ => up[r.Next(up.Length)]).ToArray());
        _apiSecret = Secret("confluent-secret", 64, random: rotate);
        Creds["api_key"] = _apiKey;
        Creds["api_secret"] = _apiSecret;
        Creds["Authorization"] = Http.BasicValue(_apiKey, _apiSecret);
    }

    protected override void SeedStore()
    {
        var created = Names.BaseTime.AddDays(-60);
        Orgs.Add(new Ent { Ordinal = 0, Id = Ids.Uuid(Seed, OrgSalt, 0), Name = "AdminPortal Sim Org", Created = created, Updated = created });
        Orgs.SeededCount = 1;
        Orgs.ByOrdinal(0)!.Extra["jit_enabled"] = "false";
        var n = Math.Max(0, Options.EntitlementsPerType);
        for (int i = 0; i < n; i++)
        {
            var name = i < EnvNames.Length ? EnvNames[i] : $"env-{i + 1:D3}";
            var e = Envs.Add(new Ent { Ordinal = i, Id = Ids.Short("env-", Seed, EnvSalt, i), Name = name, Created = created.AddDays(i), Updated = created.AddDays(i) });
            e.Extra["package"] = i % 3 == 0 ? "ADVANCED" : "ESSENTIALS";
        }
        Envs.SeededCount = n;
        var sa = Options.Accounts / 4;
        var users = Options.Accounts - sa;
        UsersT.Reserve(users);
        Sas.Reserve(sa);
        for (int i = 0; i < users; i++) UsersT.AddSeeded(true);
        for (int i = 0; i < sa; i++) Sas.AddSeeded(true);
        _invitations.Clear();
    }

    // ---------------- auth & errors ----------------

    public override bool IsPublic(PathString path) => false;

    public override async Task<bool> Authenticate(HttpContext ctx)
    {
        var b = Http.Basic(ctx);
        string key, secret;
        lock (Sync) (key, secret) = (_apiKey, _apiSecret);
        if (b is { } c && c.User == key && c.Password == secret) return true;
        ctx.Response.Headers.WWWAuthenticate = "Basic error=\"invalid_key\", error_description=\"The API Key is invalid\"";
        await Error(ctx, 401, "user_unauthenticated", "Authentication Required", "Valid authentication credentials must be provided");
        return false;
    }

    public override Task WriteError(HttpContext ctx, int status, string message, int? bodyStatus = null)
    {
        var s = bodyStatus ?? status;
        var (code, title) = s switch
        {
            400 => ("invalid_filter", "Invalid Filter"),
            401 => ("user_unauthenticated", "Authentication Required"),
            402 => ("quota_exceeded", "Quota Exceeded"),
            403 => ("user_unauthorized", "User Access Unauthorized"),
            404 => ((string?)null, "Not Found"),
            409 => ("resource_already_exists", "Resource Already exists"),
            422 => ("invalid_configuration", "Validation Failed"),
            503 => ("service_unavailable", "Service Unavailable"),
            _ => ("internal_server_error", "Internal Server Error"),
        };
        if (status == 401) ctx.Response.Headers.WWWAuthenticate = "Basic error=\"invalid_key\", error_description=\"The API Key is invalid\"";
        return Error(ctx, status, code, title, message, bodyStatus: s);
    }

    private static Task Error(HttpContext ctx, int status, string? code, string title, string detail, string? parameter = null, string? pointer = null, int? bodyStatus = null)
    {
        ctx.Response.Headers["X-Request-Id"] = Guid.NewGuid().ToString("N");
        return Http.WriteJson(ctx, status, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("errors");
            w.WriteStartObject();
            w.WriteString("id", Guid.NewGuid().ToString());
            w.WriteString("status", (bodyStatus ?? status).ToString(CultureInfo.InvariantCulture));
            if (code is not null) w.WriteString("code", code);
            w.WriteString("title", title);
            w.WriteString("detail", detail);
            if (parameter is not null || pointer is not null)
            {
                w.WriteStartObject("source");
                if (parameter is not null) w.WriteString("parameter", parameter);
                if (pointer is not null) w.WriteString("pointer", pointer);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static Task NotFound(HttpContext ctx, string what, string id) => Error(ctx, 404, null, "Not Found", $"{what} '{id}' was not found");

    public override (int Limit, TimeSpan Window, bool RetryAfter, bool IdleBlock) RateLimitDefaults => (60, TimeSpan.FromMinutes(1), true, false);

    public override void AddRateHeaders(HttpContext ctx, int limit, int remaining, int reset)
    {
        ctx.Response.Headers["X-RateLimit-Limit"] = limit.ToString(CultureInfo.InvariantCulture);
        ctx.Response.Headers["X-RateLimit-Remaining"] = remaining.ToString(CultureInfo.InvariantCulture);
        ctx.Response.Headers["X-RateLimit-Reset"] = reset.ToString(CultureInfo.InvariantCulture);
    }

    public override Task WriteRateLimited(HttpContext ctx, int retryAfter, bool sendRetryAfter)
    {
        if (sendRetryAfter) ctx.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        ctx.Response.StatusCode = 429;
        return Task.CompletedTask; // 429 has no body schema
    }

    // ---------------- JSON ----------------

    private void Meta(Utf8JsonWriter w, string self, string resourceName, string created, string updated)
    {
        w.WriteStartObject("metadata");
        w.WriteString("self", self);
        w.WriteString("resource_name", resourceName);
        w.WriteString("created_at", created);
        w.WriteString("updated_at", updated);
        w.WriteEndObject();
    }

    private void WriteUser(Utf8JsonWriter w, Row r)
    {
        var id = UsersT.IdOf(r);
        w.WriteStartObject();
        w.WriteString("api_version", "iam/v2");
        w.WriteString("kind", "User");
        w.WriteString("id", id);
        Meta(w, $"{ApiHost}/iam/v2/users/{id}", $"crn://confluent.cloud/organization={OrgId}/user={id}", UsersT.Get(r, "created_at")!, UsersT.Get(r, "updated_at")!);
        w.WriteString("email", UsersT.Get(r, "email"));
        w.WriteString("full_name", UsersT.Get(r, "full_name"));
        w.WriteString("auth_type", UsersT.Get(r, "auth_type"));
        w.WriteEndObject();
    }

    private void WriteSa(Utf8JsonWriter w, Row r)
    {
        var id = Sas.IdOf(r);
        w.WriteStartObject();
        w.WriteString("api_version", "iam/v2");
        w.WriteString("kind", "ServiceAccount");
        w.WriteString("id", id);
        Meta(w, $"{ApiHost}/iam/v2/service-accounts/{id}", $"crn://confluent.cloud/organization={OrgId}/service-account={id}", Sas.Get(r, "created_at")!, Sas.Get(r, "updated_at")!);
        w.WriteString("display_name", Sas.Get(r, "display_name"));
        w.WriteString("description", Sas.Get(r, "description") ?? "");
        w.WriteEndObject();
    }

    private void WriteOrg(Utf8JsonWriter w, Ent e)
    {
        w.WriteStartObject();
        w.WriteString("api_version", "org/v2");
        w.WriteString("kind", "Organization");
        w.WriteString("id", e.Id);
        Meta(w, $"{ApiHost}/org/v2/organizations/{e.Id}", $"crn://confluent.cloud/organization={e.Id}", Names.Rfc3339(e.Created), Names.Rfc3339(e.Updated));
        w.WriteString("display_name", e.Name);
        w.WriteBoolean("jit_enabled", e.Extra.GetValueOrDefault("jit_enabled") == "true");
        w.WriteEndObject();
    }

    private void WriteEnv(Utf8JsonWriter w, Ent e)
    {
        w.WriteStartObject();
        w.WriteString("api_version", "org/v2");
        w.WriteString("kind", "Environment");
        w.WriteString("id", e.Id);
        Meta(w, $"{ApiHost}/org/v2/environments/{e.Id}", $"crn://confluent.cloud/organization={OrgId}/environment={e.Id}", Names.Rfc3339(e.Created), Names.Rfc3339(e.Updated));
        w.WriteString("display_name", e.Name);
        w.WriteStartObject("stream_governance_config");
        w.WriteString("package", e.Extra.GetValueOrDefault("package") ?? "ESSENTIALS");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private string Crn(int type, Ent e) => type == OrgType
        ? $"crn://confluent.cloud/organization={e.Id}"
        : $"crn://confluent.cloud/organization={OrgId}/environment={e.Id}";

    private string RbId(int table, Row r, int link) =>
        Ids.Long("rb-", Seed, RbSalt, ((ulong)table << 63) | ((ulong)(uint)r.Ordinal << 31) | (uint)link);

    private void WriteRb(Utf8JsonWriter w, int table, Row r, (int Type, Ent Ent, int Role) l)
    {
        var t = AccountTables[table];
        var id = RbId(table, r, Link.Pack(l.Type, l.Ent.Ordinal, l.Role));
        w.WriteStartObject();
        w.WriteString("api_version", "iam/v2");
        w.WriteString("kind", "RoleBinding");
        w.WriteString("id", id);
        Meta(w, $"{ApiHost}/iam/v2/role-bindings/{id}", $"crn://confluent.cloud/organization={OrgId}/role-binding={id}", t.Get(r, "created_at")!, t.Get(r, "updated_at")!);
        w.WriteString("principal", "User:" + t.IdOf(r));
        w.WriteString("role_name", Roles[l.Role]);
        w.WriteString("crn_pattern", Crn(l.Type, l.Ent));
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

    // ---------------- paging ----------------

    private int PageSize(HttpContext ctx) => Math.Clamp(Http.QueryInt(ctx, "page_size") ?? Options.DefaultPageSize ?? 10, 1, Math.Max(100, Options.DefaultPageSize ?? 0));

    private static string EncodeToken(long position) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes("p:" + position.ToString(CultureInfo.InvariantCulture))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static long? DecodeToken(string? token)
    {
        if (string.IsNullOrEmpty(token)) return 0;
        try
        {
            var s = token.Replace('-', '+').Replace('_', '/');
            s += new string('=', (4 - s.Length % 4) % 4);
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(s));
            return text.StartsWith("p:", StringComparison.Ordinal) && long.TryParse(text[2..], out var v) ? v : null;
        }
        catch (FormatException) { return null; }
    }

    private async Task WriteList<T>(HttpContext ctx, string apiVersion, string kind, string path, IReadOnlyList<T> items, int total, long? nextPosition,
        int pageSize, Action<Utf8JsonWriter, T> write, string? extraQuery = null)
    {
        await using var o = JsonOut.Begin(ctx);
        var w = o.W;
        var q = extraQuery is null ? "" : "&" + extraQuery;
        w.WriteStartObject();
        w.WriteString("api_version", apiVersion);
        w.WriteString("kind", kind);
        w.WriteStartObject("metadata");
        w.WriteString("first", $"{Root}{path}?page_size={pageSize}{q}");
        if (nextPosition is { } n) w.WriteString("next", $"{Root}{path}?page_size={pageSize}{q}&page_token={EncodeToken(n)}");
        w.WriteNumber("total_size", total);
        w.WriteEndObject();
        w.WriteStartArray("data");
        foreach (var item in items)
        {
            write(w, item);
            await o.Tick();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Cursor paging over an account table: the token holds the next ordinal, so pages stay stable under inserts/deletes.</summary>
    private async Task ListAccounts(HttpContext ctx, AccountTable t, string kind, string path, Action<Utf8JsonWriter, Row> write, Func<Row, bool>? filter, string? extraQuery)
    {
        var pos = DecodeToken(Http.Query(ctx, "page_token"));
        if (pos is null)
        {
            await Error(ctx, 400, "invalid_page_token", "Invalid Page Token", "The page token is invalid", parameter: "page_token");
            return;
        }
        var size = PageSize(ctx);
        var page = new List<Row>(size);
        long? next = null;
        int total;
        lock (Sync)
        {
            total = filter is null ? t.Count : t.Live.Count(filter);
            for (var i = t.IndexAtOrAfter((int)pos.Value); i < t.Count; i++)
            {
                var r = t[i];
                if (filter is not null && !filter(r)) continue;
                if (page.Count == size)
                {
                    next = r.Ordinal;
                    break;
                }
                page.Add(r);
            }
        }
        await WriteList(ctx, "iam/v2", kind, path, page, total, next, size, (w, r) => { lock (Sync) write(w, r); }, extraQuery);
    }

    private async Task ListEnts(HttpContext ctx, EntTable t, string kind, string path, Action<Utf8JsonWriter, Ent> write)
    {
        var pos = DecodeToken(Http.Query(ctx, "page_token"));
        if (pos is null)
        {
            await Error(ctx, 400, "invalid_page_token", "Invalid Page Token", "The page token is invalid", parameter: "page_token");
            return;
        }
        var size = PageSize(ctx);
        List<Ent> all;
        lock (Sync) all = t.LiveList();
        var page = all.Where(e => e.Ordinal >= pos.Value).Take(size + 1).ToList();
        long? next = page.Count > size ? page[size].Ordinal : null;
        await WriteList(ctx, "org/v2", kind, path, page.Take(size).ToList(), all.Count, next, size, write);
    }

    // ---------------- routes ----------------

    public override void MapRoutes(IEndpointRouteBuilder app)
    {
        // Users (no create: users come from accepted invitations)
        app.MapGet("/iam/v2/users", ctx => ListAccounts(ctx, UsersT, "UserList", "/iam/v2/users", WriteUser, null, null));
        app.MapGet("/iam/v2/users/{id}", (HttpContext ctx, string id) => GetAccount(ctx, UsersT, id, "User", WriteUser));
        app.MapPatch("/iam/v2/users/{id}", async (HttpContext ctx, string id) =>
        {
            var b = await Http.JsonBody(ctx) as JObject;
            byte[]? json = null;
            lock (Sync)
                if (UsersT.Find(id) is { } r)
                {
                    if (b?.Str("full_name") is { } fn) UsersT.Set(r, "full_name", fn);
                    UsersT.Set(r, "updated_at", Names.Rfc3339(DateTime.UtcNow));
                    json = Render(w => WriteUser(w, r));
                }
            await (json is null ? NotFound(ctx, "User", id) : Send(ctx, 200, json));
        });
        app.MapDelete("/iam/v2/users/{id}", (HttpContext ctx, string id) => DeleteAccount(ctx, UsersT, id, "User"));

        // Service accounts
        app.MapGet("/iam/v2/service-accounts", ctx =>
        {
            var dn = Http.Query(ctx, "display_name");
            var names = dn?.Split(',').ToHashSet(StringComparer.Ordinal);
            return ListAccounts(ctx, Sas, "ServiceAccountList", "/iam/v2/service-accounts", WriteSa,
                names is null ? null : r => names.Contains(Sas.Get(r, "display_name") ?? ""), dn is null ? null : "display_name=" + Uri.EscapeDataString(dn));
        });
        app.MapGet("/iam/v2/service-accounts/{id}", (HttpContext ctx, string id) => GetAccount(ctx, Sas, id, "Service Account", WriteSa));
        app.MapPost("/iam/v2/service-accounts", async ctx =>
        {
            var b = await Http.JsonBody(ctx) as JObject;
            var name = b?.Str("display_name");
            if (string.IsNullOrWhiteSpace(name))
            {
                await Error(ctx, 400, "invalid_configuration", "Validation Failed", "display_name is required", pointer: "/display_name");
                return;
            }
            byte[]? json = null;
            lock (Sync)
                if (Sas.FindByUnique(name) is null)
                {
                    var now = Names.Rfc3339(DateTime.UtcNow);
                    var r = Sas.AddNew(new Dictionary<string, string?> { ["display_name"] = name, ["description"] = b!.Str("description") ?? "", ["created_at"] = now, ["updated_at"] = now }, true);
                    json = Render(w => WriteSa(w, r));
                }
            if (json is null) await Error(ctx, 409, "resource_already_exists", "Resource Already exists", $"Service account name '{name}' is already in use");
            else await Send(ctx, 201, json);
        });
        app.MapPatch("/iam/v2/service-accounts/{id}", async (HttpContext ctx, string id) =>
        {
            var b = await Http.JsonBody(ctx) as JObject;
            byte[]? json = null;
            var conflict = false;
            lock (Sync)
                if (Sas.Find(id) is { } r)
                {
                    var dn = b?.Str("display_name");
                    if (dn is not null && Sas.FindByUnique(dn) is { } other && !ReferenceEquals(other, r)) conflict = true;
                    else
                    {
                        if (dn is not null) Sas.Set(r, "display_name", dn);
                        if (b?.Str("description") is { } d) Sas.Set(r, "description", d);
                        Sas.Set(r, "updated_at", Names.Rfc3339(DateTime.UtcNow));
                        json = Render(w => WriteSa(w, r));
                    }
                }
            if (conflict) await Error(ctx, 409, "resource_already_exists", "Resource Already exists", "display_name is already in use");
            else await (json is null ? NotFound(ctx, "Service Account", id) : Send(ctx, 200, json));
        });
        app.MapDelete("/iam/v2/service-accounts/{id}", (HttpContext ctx, string id) => DeleteAccount(ctx, Sas, id, "Service Account"));

        // Invitations
        app.MapGet("/iam/v2/invitations", async ctx =>
        {
            List<Invitation> list;
            var email = Http.Query(ctx, "email");
            var status = Http.Query(ctx, "status");
            lock (Sync) list = _invitations.Where(i => (email is null || i.Email == email) && (status is null || i.Status == status)).ToList();
            var pos = DecodeToken(Http.Query(ctx, "page_token")) ?? 0;
            var size = PageSize(ctx);
            var page = list.Skip((int)pos).Take(size).ToList();
            await WriteList(ctx, "iam/v2", "InvitationList", "/iam/v2/invitations", page, list.Count, pos + size < list.Count ? pos + size : null, size, WriteInvitation);
        });
        app.MapPost("/iam/v2/invitations", async ctx =>
        {
            var b = await Http.JsonBody(ctx) as JObject;
            var email = b?.Str("email");
            if (string.IsNullOrWhiteSpace(email) || !email.Contains('@'))
            {
                await Error(ctx, 400, "invalid_configuration", "Validation Failed", "email is required", pointer: "/email");
                return;
            }
            Invitation? inv = null;
            lock (Sync)
                if (UsersT.FindByUnique(email) is null && !_invitations.Any(i => string.Equals(i.Email, email, StringComparison.OrdinalIgnoreCase) && i.Status == "INVITE_STATUS_SENT"))
                {
                    inv = new Invitation { Id = Ids.Short("i-", Seed, InvSalt, _invitations.Count + 1000), Email = email, AuthType = b!.Str("auth_type") ?? "AUTH_TYPE_LOCAL", Created = DateTime.UtcNow };
                    _invitations.Add(inv);
                }
            if (inv is null) await Error(ctx, 409, "resource_already_exists", "Resource Already exists", $"User or invitation for '{email}' already exists");
            else await Send(ctx, 201, Render(w => WriteInvitation(w, inv)));
        });
        app.MapGet("/iam/v2/invitations/{id}", async (HttpContext ctx, string id) =>
        {
            Invitation? inv;
            lock (Sync) inv = _invitations.FirstOrDefault(i => i.Id == id);
            await (inv is null ? NotFound(ctx, "Invitation", id) : Send(ctx, 200, Render(w => WriteInvitation(w, inv))));
        });
        app.MapDelete("/iam/v2/invitations/{id}", async (HttpContext ctx, string id) =>
        {
            bool removed;
            lock (Sync) removed = _invitations.RemoveAll(i => i.Id == id) > 0;
            if (removed) ctx.Response.StatusCode = 204; else await NotFound(ctx, "Invitation", id);
        });

        // Organizations
        app.MapGet("/org/v2/organizations", ctx => ListEnts(ctx, Orgs, "OrganizationList", "/org/v2/organizations", WriteOrg));
        app.MapGet("/org/v2/organizations/{id}", (HttpContext ctx, string id) => GetEnt(ctx, Orgs, id, "Organization", WriteOrg));
        app.MapPatch("/org/v2/organizations/{id}", (HttpContext ctx, string id) => PatchEnt(ctx, Orgs, id, "Organization", WriteOrg));

        // Environments
        app.MapGet("/org/v2/environments", ctx => ListEnts(ctx, Envs, "EnvironmentList", "/org/v2/environments", WriteEnv));
        app.MapGet("/org/v2/environments/{id}", (HttpContext ctx, string id) => GetEnt(ctx, Envs, id, "Environment", WriteEnv));
        app.MapPatch("/org/v2/environments/{id}", (HttpContext ctx, string id) => PatchEnt(ctx, Envs, id, "Environment", WriteEnv));
        app.MapPost("/org/v2/environments", async ctx =>
        {
            var b = await Http.JsonBody(ctx) as JObject;
            var name = b?.Str("display_name");
            if (string.IsNullOrWhiteSpace(name))
            {
                await Error(ctx, 400, "invalid_configuration", "Validation Failed", "display_name is required", pointer: "/display_name");
                return;
            }
            Ent? e = null;
            lock (Sync)
                if (!Envs.Live.Any(x => x.Name == name))
                {
                    e = NewEnv(name);
                    if (b!["stream_governance_config"]?.Str("package") is { } pkg) e.Extra["package"] = pkg;
                }
            if (e is null) await Error(ctx, 409, "resource_already_exists", "Resource Already exists", $"Environment '{name}' already exists");
            else await Send(ctx, 201, Render(w => WriteEnv(w, e)));
        });
        app.MapDelete("/org/v2/environments/{id}", async (HttpContext ctx, string id) =>
        {
            bool ok;
            lock (Sync)
            {
                var e = Envs.Find(id);
                ok = e is not null;
                if (e is not null) Envs.Remove(e);
            }
            if (ok) ctx.Response.StatusCode = 204; else await NotFound(ctx, "Environment", id);
        });

        // Role bindings
        app.MapGet("/iam/v2/role-bindings", ListRoleBindings);
        app.MapPost("/iam/v2/role-bindings", CreateRoleBinding);
        app.MapGet("/iam/v2/role-bindings/{id}", (HttpContext ctx, string id) => RoleBindingById(ctx, id, delete: false));
        app.MapDelete("/iam/v2/role-bindings/{id}", (HttpContext ctx, string id) => RoleBindingById(ctx, id, delete: true));
    }

    private void WriteInvitation(Utf8JsonWriter w, Invitation i)
    {
        w.WriteStartObject();
        w.WriteString("api_version", "iam/v2");
        w.WriteString("kind", "Invitation");
        w.WriteString("id", i.Id);
        Meta(w, $"{ApiHost}/iam/v2/invitations/{i.Id}", $"crn://confluent.cloud/organization={OrgId}/invitation={i.Id}", Names.Rfc3339(i.Created), Names.Rfc3339(i.Created));
        w.WriteString("email", i.Email);
        w.WriteString("auth_type", i.AuthType);
        w.WriteString("status", i.Status);
        w.WriteNull("accepted_at");
        w.WriteString("expires_at", Names.Rfc3339(i.Created.AddDays(30)));
        w.WriteEndObject();
    }

    private Ent NewEnv(string name)
    {
        var i = Envs.NextOrdinal;
        var now = DateTime.UtcNow;
        var e = Envs.Add(new Ent { Ordinal = i, Id = Ids.Short("env-", Seed, EnvSalt, i), Name = name, Created = now, Updated = now });
        e.Extra["package"] = "ESSENTIALS";
        return e;
    }

    private async Task GetAccount(HttpContext ctx, AccountTable t, string id, string what, Action<Utf8JsonWriter, Row> write)
    {
        byte[]? json;
        lock (Sync) json = t.Find(id) is { } r ? Render(w => write(w, r)) : null;
        await (json is null ? NotFound(ctx, what, id) : Send(ctx, 200, json));
    }

    private async Task DeleteAccount(HttpContext ctx, AccountTable t, string id, string what)
    {
        bool ok;
        lock (Sync)
        {
            var r = t.Find(id);
            ok = r is not null;
            if (r is not null) t.Remove(r); // its role bindings go with it
        }
        if (ok) ctx.Response.StatusCode = 204; else await NotFound(ctx, what, id);
    }

    private async Task GetEnt(HttpContext ctx, EntTable t, string id, string what, Action<Utf8JsonWriter, Ent> write)
    {
        Ent? e;
        lock (Sync) e = t.Find(id);
        await (e is null ? NotFound(ctx, what, id) : Send(ctx, 200, Render(w => write(w, e))));
    }

    private async Task PatchEnt(HttpContext ctx, EntTable t, string id, string what, Action<Utf8JsonWriter, Ent> write)
    {
        var b = await Http.JsonBody(ctx) as JObject;
        Ent? e;
        lock (Sync)
        {
            e = t.Find(id);
            if (e is not null && b?.Str("display_name") is { } dn)
            {
                e.Name = dn;
                e.Updated = DateTime.UtcNow;
            }
            if (e is not null && b?["stream_governance_config"]?.Str("package") is { } pkg) e.Extra["package"] = pkg;
        }
        await (e is null ? NotFound(ctx, what, id) : Send(ctx, 200, Render(w => write(w, e))));
    }

    private IEnumerable<(int Table, Row Row, (int Type, Ent Ent, int Role) Link)> AllBindings()
    {
        for (int t = 0; t < AccountTables.Length; t++)
            foreach (var r in AccountTables[t].Live)
                foreach (var l in LiveLinks(AccountTables[t], r))
                    yield return (t, r, l);
    }

    private async Task ListRoleBindings(HttpContext ctx)
    {
        var crn = Http.Query(ctx, "crn_pattern");
        if (crn is null)
        {
            await Error(ctx, 400, "invalid_filter", "Invalid Filter", "crn_pattern is required", parameter: "crn_pattern");
            return;
        }
        var principal = Http.Query(ctx, "principal");
        var role = Http.Query(ctx, "role_name");
        var size = PageSize(ctx);
        var pos = DecodeToken(Http.Query(ctx, "page_token")) ?? 0;
        List<(int Table, Row Row, (int Type, Ent Ent, int Role) Link)> matches;
        lock (Sync)
        {
            var prefix = crn.TrimEnd('*').TrimEnd('/');
            matches = AllBindings().Where(b =>
                Crn(b.Link.Type, b.Link.Ent).StartsWith(prefix, StringComparison.Ordinal)
                && (principal is null || principal == "User:" + AccountTables[b.Table].IdOf(b.Row))
                && (role is null || role == Roles[b.Link.Role])).ToList();
        }
        var page = matches.Skip((int)pos).Take(size).ToList();
        var q = "crn_pattern=" + Uri.EscapeDataString(crn) + (principal is null ? "" : "&principal=" + Uri.EscapeDataString(principal)) + (role is null ? "" : "&role_name=" + role);
        await WriteList(ctx, "iam/v2", "RoleBindingList", "/iam/v2/role-bindings", page, matches.Count, pos + size < matches.Count ? pos + size : null, size,
            (w, b) => { lock (Sync) WriteRb(w, b.Table, b.Row, b.Link); }, q);
    }

    private (int Type, Ent Ent)? ParseCrn(string crn)
    {
        var prefix = $"crn://confluent.cloud/organization={OrgId}";
        if (crn == prefix) return Orgs.ByOrdinal(0) is { } org ? (OrgType, org) : null;
        if (crn.StartsWith(prefix + "/environment=", StringComparison.Ordinal))
        {
            var envId = crn[(prefix.Length + "/environment=".Length)..];
            return Envs.Find(envId) is { } env ? (EnvType, env) : null;
        }
        return null;
    }

    private async Task CreateRoleBinding(HttpContext ctx)
    {
        var b = await Http.JsonBody(ctx) as JObject;
        var principal = b?.Str("principal");
        var roleName = b?.Str("role_name");
        var crn = b?.Str("crn_pattern");
        if (principal is null || roleName is null || crn is null)
        {
            await Error(ctx, 400, "invalid_configuration", "Validation Failed", "principal, role_name and crn_pattern are required");
            return;
        }
        var role = Array.IndexOf(Roles, roleName);
        byte[]? json = null;
        string? problem = null;
        var status = 201;
        lock (Sync)
        {
            var acc = principal.StartsWith("User:", StringComparison.Ordinal) ? FindAccount(principal[5..]) : null;
            var scope = ParseCrn(crn);
            if (role < 0) (status, problem) = (400, $"Unknown role_name '{roleName}'");
            else if (acc is null) (status, problem) = (404, $"Principal '{principal}' was not found");
            else if (scope is null) (status, problem) = (400, $"crn_pattern '{crn}' does not name this organization or one of its environments (the simulator supports organization and environment scopes)");
            else
            {
                var (t, r) = acc.Value;
                var tableIdx = Array.IndexOf(AccountTables, t);
                if (LiveLinks(t, r).Any(l => l.Type == scope.Value.Type && ReferenceEquals(l.Ent, scope.Value.Ent) && l.Role == role))
                    (status, problem) = (409, "Role binding already exists");
                else
                {
                    var links = LiveLinks(t, r).ToList();
                    links.Add((scope.Value.Type, scope.Value.Ent, role));
                    SetLinks(r, links);
                    json = Render(w => WriteRb(w, tableIdx, r, (scope.Value.Type, scope.Value.Ent, role)));
                }
            }
        }
        if (json is not null) await Send(ctx, 201, json);
        else if (status == 404) await NotFound(ctx, "Principal", principal);
        else if (status == 409) await Error(ctx, 409, "resource_already_exists", "Resource Already exists", problem!);
        else await Error(ctx, 400, "invalid_configuration", "Validation Failed", problem!);
    }

    private async Task RoleBindingById(HttpContext ctx, string id, bool delete)
    {
        byte[]? json = null;
        lock (Sync)
        {
            if (Ids.TryParseLong(id, "rb-", Seed, RbSalt, out var v))
            {
                var table = (int)(v >> 63);
                var ordinal = (int)((v >> 31) & 0xFFFFFFFF);
                var link = (int)(v & 0x7FFFFFFF);
                var t = AccountTables[table];
                var r = t.Live.Count > 0 ? FindByOrdinal(t, ordinal) : null;
                if (r is not null && t.LinksOf(r).Contains(link) && EntTables[Link.Type(link)].ByOrdinal(Link.Ent(link)) is { } e)
                {
                    var l = (Link.Type(link), e, Link.Role(link));
                    json = Render(w => WriteRb(w, table, r, l));
                    if (delete) RemoveLink(t, r, l.Item1, e, l.Item3);
                }
            }
        }
        // DELETE answers 200 with the deleted binding (not 204)
        await (json is null ? NotFound(ctx, "Role Binding", id) : Send(ctx, 200, json));
    }

    private static Row? FindByOrdinal(AccountTable t, int ordinal)
    {
        var i = t.IndexAtOrAfter(ordinal);
        return i < t.Count && t[i].Ordinal == ordinal ? t[i] : null;
    }

    // ---------------- neutral ----------------

    protected override SimAccount ToNeutral(AccountTable t, Row r)
    {
        var user = ReferenceEquals(t, UsersT);
        return new SimAccount(t.IdOf(r), (user ? t.Get(r, "full_name") : t.Get(r, "display_name"))!, true,
            user
                ? new Dictionary<string, string?> { ["id"] = t.IdOf(r), ["kind"] = "User", ["email"] = t.Get(r, "email"), ["full_name"] = t.Get(r, "full_name") }
                : new Dictionary<string, string?> { ["id"] = t.IdOf(r), ["kind"] = "ServiceAccount", ["display_name"] = t.Get(r, "display_name"), ["description"] = t.Get(r, "description") ?? "" });
    }

    protected override SimEntitlement EntToNeutral(int type, Ent e) =>
        new(EntitlementTypes[type], e.Id, e.Name, new Dictionary<string, string?> { ["id"] = e.Id, ["display_name"] = e.Name, ["kind"] = type == OrgType ? "Organization" : "Environment" });

    protected override string? RoleName(int type, int role) => Roles[role];

    /// <summary>Neutral AddAccount creates a service account (users can only come from invitations).</summary>
    protected override (AccountTable, Row) NeutralCreate(string name, bool active)
    {
        if (Sas.FindByUnique(name) is not null) throw new InvalidOperationException("display_name in use: " + name);
        var now = Names.Rfc3339(DateTime.UtcNow);
        return (Sas, Sas.AddNew(new Dictionary<string, string?> { ["display_name"] = name, ["description"] = "", ["created_at"] = now, ["updated_at"] = now }, true));
    }

    protected override void NeutralRename(AccountTable t, Row r, string name) =>
        t.Set(r, ReferenceEquals(t, UsersT) ? "full_name" : "display_name", name);

    protected override bool NeutralSetActive(AccountTable t, Row r, bool active) =>
        throw new NotSupportedException("Confluent Cloud has no enable/disable; delete the account instead");

    protected override Ent NeutralCreateEnt(int type, string name) =>
        type == EnvType ? NewEnv(name) : throw new NotSupportedException("Confluent organizations cannot be created through the API");

    protected override bool NeutralAddMembership(int type, AccountTable t, Row r, Ent e) => AddLink(t, r, type, e, type == OrgType ? 4 : 5);
}
