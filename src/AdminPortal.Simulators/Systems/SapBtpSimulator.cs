using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using AdminPortal.Simulators.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Simulators.Systems;

/// <summary>SAP BTP XSUAA SCIM API (UAA flavour): /oauth/token, /Users, /Groups (role collections).</summary>
internal sealed class SapBtpSimulator : SimulatorBase
{
    private const string Schema = "urn:scim:schemas:core:1.0";
    private const int UserSalt = 100, GroupSalt = 200;
    private static readonly string[] GroupNames =
    {
        "Subaccount Administrator", "Subaccount Viewer", "Destination Administrator", "Cloud Connector Administrator",
        "Connectivity and Destination Administrator", "Subaccount Service Administrator", "Business_Application_Studio_Developer",
        "Launchpad_Admin", "Print Queue Administrator", "User and Role Administrator",
    };

    private AccountTable Users => AccountTables[0];
    private EntTable Groups => EntTables[0];
    private string ZoneId
    {
        get
        {
            // written into every user of a listing: formatted once per seed, not per user
            if (_zoneId is null || _zoneSeed != Seed) (_zoneSeed, _zoneId) = (Seed, $"sim-zone-{Seed}");
            return _zoneId;
        }
    }

    private string? _zoneId;
    private int _zoneSeed;

    public SapBtpSimulator(SimulatorOptions o) : base(o)
    {
        AccountTables = new[]
        {
            new AccountTable("users", o2 => Ids.Uuid(Seed, UserSalt, o2), (string id, out long ord) => Ids.TryParseUuid(id, Seed, UserSalt, out ord), StringComparer.OrdinalIgnoreCase)
            {
                Derive = DeriveUser,
                DeriveLinks = ord => DefaultLinks(ord, 0, Groups.SeededCount, 7),
                UniqueField = "userName",
            },
        };
        EntTables = new[] { new EntTable("Groups", StringComparer.Ordinal) };
    }

    public override SimulatedSystem System => SimulatedSystem.SapBtp;
    public override IReadOnlyList<string> EntitlementTypes { get; } = new[] { "Groups" };

    private string? DeriveUser(int o, string f) => f switch
    {
        "userName" or "email" => Names.EmailOf(Seed, o, "corp.example.com"),
        "givenName" => Names.FirstOf(Seed, o),
        "familyName" => Names.LastOf(Seed, o),
        "origin" => "sap.default",
        "created" => Names.Iso(Names.CreatedOf(Seed, o)),
        "lastModified" => Names.Iso(Names.CreatedOf(Seed, o).AddDays(3)),
        _ => null,
    };

    protected override void IssueStaticCredentials(bool rotate)
    {
        if (rotate) return; // client credentials stay; ExpireTokens expires the issued tokens
        Creds["client_id"] = $"sb-adminportal-sim!b{Seed}|xsuaa!b120249";
        Creds["client_secret"] = Secret("sap", 32);
        Creds["token_url"] = "{BaseUrl}oauth/token";
        Creds["identityzone"] = ZoneId;
    }

    protected override void SeedStore()
    {
        var n = Math.Max(0, Options.EntitlementsPerType);
        for (int i = 0; i < n; i++)
        {
            var name = i < GroupNames.Length ? GroupNames[i] : $"Role Collection {i + 1:D3}";
            Groups.Add(NewGroup(i, name, Names.BaseTime.AddDays(-30 + i)));
        }
        Groups.SeededCount = n;
        Users.Reserve(Options.Accounts);
        for (int i = 0; i < Options.Accounts; i++) Users.AddSeeded(active: Percent(i, 1) >= 10);
    }

    private Ent NewGroup(int ordinal, string name, DateTime created)
    {
        var e = new Ent { Ordinal = ordinal, Id = name, Name = name, Created = created, Updated = created, Description = $"Role collection {name}" };
        return e;
    }

    // ---------------- auth ----------------

    public override bool IsPublic(PathString path) => path.StartsWithSegments("/oauth/token", StringComparison.OrdinalIgnoreCase);

    public override async Task<bool> Authenticate(HttpContext ctx)
    {
        var token = Http.Bearer(ctx);
        if (token is not null && Tokens.IsValid(token)) return true;
        var msg = token is null ? "Full authentication is required to access this resource"
            : Tokens.IsKnown(token) ? "Access token expired" : "Invalid access token";
        ctx.Response.Headers.WWWAuthenticate = $"Bearer realm=\"UAA/oauth\", error=\"invalid_token\", error_description=\"{msg}\"";
        await Err(ctx, 401, "invalid_token", msg);
        return false;
    }

    public override Task WriteError(HttpContext ctx, int status, string message, int? bodyStatus = null)
    {
        var code = (bodyStatus ?? status) switch
        {
            401 => "invalid_token",
            403 => "insufficient_scope",
            404 => "scim_resource_not_found",
            409 => "scim_resource_already_exists",
            429 => "too_many_requests",
            400 => "invalid_scim_resource",
            _ => "internal_server_error",
        };
        if (status == 401) ctx.Response.Headers.WWWAuthenticate = "Bearer realm=\"UAA/oauth\", error=\"invalid_token\"";
        return Err(ctx, status, code, message);
    }

    private static Task Err(HttpContext ctx, int status, string error, string description, Action<Utf8JsonWriter>? extra = null) =>
        Http.WriteJson(ctx, status, w =>
        {
            w.WriteStartObject();
            w.WriteString("error", error);
            w.WriteString("error_description", description);
            w.WriteString("message", description);
            extra?.Invoke(w);
            w.WriteEndObject();
        });

    private async Task Token(HttpContext ctx)
    {
        var form = await Http.FlatBody(ctx);
        var basic = Http.Basic(ctx);
        var id = basic?.User ?? form.GetValueOrDefault("client_id");
        var secret = basic?.Password ?? form.GetValueOrDefault("client_secret");
        if (id != Creds["client_id"] || secret != Creds["client_secret"])
        {
            await Err(ctx, 401, "unauthorized", "Bad credentials");
            return;
        }
        if (form.GetValueOrDefault("grant_type") != "client_credentials")
        {
            await Err(ctx, 400, "unsupported_grant_type", "Unsupported grant type: " + form.GetValueOrDefault("grant_type"));
            return;
        }
        var life = Options.TokenLifetime;
        var token = Tokens.Issue(life, "eyJhbGciOiJSUzI1NiIsImprdSI6InNpbSJ9.");
        ctx.Response.Headers.CacheControl = "no-store";
        await Http.WriteJson(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("access_token", token);
            w.WriteString("token_type", "bearer");
            w.WriteNumber("expires_in", (long)life.TotalSeconds);
            w.WriteString("scope", "xs_user.write uaa.resource xs_authorization.read xs_idp.write xs_user.read xs_idp.read xs_authorization.write");
            w.WriteString("jti", Guid.NewGuid().ToString("N"));
            w.WriteEndObject();
        });
    }

    // ---------------- routes ----------------

    public override void MapRoutes(IEndpointRouteBuilder app)
    {
        app.MapPost("/oauth/token", Token);
        app.MapGet("/Users", ListUsers);
        app.MapGet("/Users/{id}", async (HttpContext ctx, string id) =>
        {
            byte[]? json;
            lock (Sync) json = Users.Find(id) is { } r ? Render(w => WriteUser(w, r)) : null;
            await (json is null ? NotFound(ctx, "User", id) : Send(ctx, 200, json));
        });
        app.MapPost("/Users", CreateUser);
        app.MapPut("/Users/{id}", (HttpContext ctx, string id) => UpdateUser(ctx, id, replace: true));
        app.MapPatch("/Users/{id}", (HttpContext ctx, string id) => UpdateUser(ctx, id, replace: false));
        app.MapDelete("/Users/{id}", async (HttpContext ctx, string id) =>
        {
            byte[]? json;
            lock (Sync)
            {
                json = null;
                if (Users.Find(id) is { } r)
                {
                    json = Render(w => WriteUser(w, r));
                    Users.Remove(r);
                }
            }
            await (json is null ? NotFound(ctx, "User", id) : Send(ctx, 200, json));
        });
        app.MapGet("/Groups", ListGroups);
        app.MapGet("/Groups/{id}", async (HttpContext ctx, string id) =>
        {
            Ent? g;
            lock (Sync) g = Groups.Find(id);
            if (g is null) { await NotFound(ctx, "Group", id); return; }
            var members = Members(new[] { g });
            await using var o = JsonOut.Begin(ctx);
            await WriteGroup(o, g, members[g]);
        });
        app.MapPost("/Groups/{id}/members", AddMember);
        app.MapDelete("/Groups/{id}/members/{userId}", async (HttpContext ctx, string id, string userId) =>
        {
            int status;
            lock (Sync)
            {
                var g = Groups.Find(id);
                var u = Users.Find(userId);
                status = g is null ? 404 : u is null || !RemoveLink(Users, u, 0, g) ? 4040 : 200;
            }
            if (status == 200) await Send(ctx, 200, Render(w => WriteMember(w, userId)));
            else if (status == 404) await NotFound(ctx, "Group", id);
            else await Err(ctx, 404, "scim_resource_not_found", $"Member {userId} does not exist in group {id}");
        });
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
        ctx.Response.ContentType = "application/json;charset=UTF-8";
        await ctx.Response.Body.WriteAsync(json, ctx.RequestAborted);
    }

    private static Task NotFound(HttpContext ctx, string what, string id) =>
        Err(ctx, 404, "scim_resource_not_found", $"{what} {id} does not exist");

    /// <summary>Property names (and constant values) of users and group members, encoded once: a 1M-user listing writes
    /// 20 million names, a listing of its groups 5M members.</summary>
    private static class UserJson
    {
        public static readonly JsonEncodedText UserType = JsonEncodedText.Encode("USER");
        public static readonly JsonEncodedText DefaultOrigin = JsonEncodedText.Encode("sap.default");
        public static readonly JsonEncodedText Active = JsonEncodedText.Encode("active");
        public static readonly JsonEncodedText Approvals = JsonEncodedText.Encode("approvals");
        public static readonly JsonEncodedText Created = JsonEncodedText.Encode("created");
        public static readonly JsonEncodedText Display = JsonEncodedText.Encode("display");
        public static readonly JsonEncodedText Emails = JsonEncodedText.Encode("emails");
        public static readonly JsonEncodedText ExternalId = JsonEncodedText.Encode("externalId");
        public static readonly JsonEncodedText FamilyName = JsonEncodedText.Encode("familyName");
        public static readonly JsonEncodedText GivenName = JsonEncodedText.Encode("givenName");
        public static readonly JsonEncodedText Groups = JsonEncodedText.Encode("groups");
        public static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
        public static readonly JsonEncodedText LastModified = JsonEncodedText.Encode("lastModified");
        public static readonly JsonEncodedText Meta = JsonEncodedText.Encode("meta");
        public static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
        public static readonly JsonEncodedText Origin = JsonEncodedText.Encode("origin");
        public static readonly JsonEncodedText PasswordLastModified = JsonEncodedText.Encode("passwordLastModified");
        public static readonly JsonEncodedText Primary = JsonEncodedText.Encode("primary");
        public static readonly JsonEncodedText Schemas = JsonEncodedText.Encode("schemas");
        public static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
        public static readonly JsonEncodedText UserName = JsonEncodedText.Encode("userName");
        public static readonly JsonEncodedText Value = JsonEncodedText.Encode("value");
        public static readonly JsonEncodedText Verified = JsonEncodedText.Encode("verified");
        public static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
        public static readonly JsonEncodedText ZoneId = JsonEncodedText.Encode("zoneId");
    }

    private void WriteUser(Utf8JsonWriter w, Row r)
    {
        w.WriteStartObject();
        w.WriteString(UserJson.Id, Users.IdOf(r));
        w.WriteString(UserJson.ExternalId, Users.Get(r, "externalId") ?? "");
        w.WriteStartObject(UserJson.Meta);
        w.WriteNumber(UserJson.Version, r.Version);
        w.WriteString(UserJson.Created, Users.Get(r, "created"));
        w.WriteString(UserJson.LastModified, Users.Get(r, "lastModified"));
        w.WriteEndObject();
        w.WriteString(UserJson.UserName, Users.Get(r, "userName"));
        w.WriteStartObject(UserJson.Name);
        w.WriteString(UserJson.FamilyName, Users.Get(r, "familyName"));
        w.WriteString(UserJson.GivenName, Users.Get(r, "givenName"));
        w.WriteEndObject();
        w.WriteStartArray(UserJson.Emails);
        w.WriteStartObject();
        w.WriteString(UserJson.Value, Users.Get(r, "email"));
        w.WriteBoolean(UserJson.Primary, true);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartArray(UserJson.Groups);
        foreach (var l in LiveLinks(Users, r))
        {
            w.WriteStartObject();
            w.WriteString(UserJson.Value, l.Ent.Id);
            w.WriteString(UserJson.Display, l.Ent.Name);
            w.WriteString(UserJson.Type, "DIRECT");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray(UserJson.Approvals);
        w.WriteEndArray();
        w.WriteBoolean(UserJson.Active, r.Active);
        w.WriteBoolean(UserJson.Verified, true);
        w.WriteString(UserJson.Origin, Users.Get(r, "origin"));
        w.WriteString(UserJson.ZoneId, ZoneId);
        w.WriteNumber(UserJson.PasswordLastModified, 0);
        w.WriteStartArray(UserJson.Schemas);
        w.WriteStringValue(Schema);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private async Task WriteGroup(JsonOut o, Ent g, List<Row> members)
    {
        var w = o.W;
        w.WriteStartObject();
        w.WriteString("id", g.Id);
        w.WriteStartObject("meta");
        w.WriteNumber("version", g.Version);
        w.WriteString("created", Names.Iso(g.Created));
        w.WriteString("lastModified", Names.Iso(g.Updated));
        w.WriteEndObject();
        w.WriteString("displayName", g.Name);
        w.WriteString("description", g.Description);
        w.WriteString("zoneId", ZoneId);
        w.WriteStartArray("members");
        foreach (var m in members)
        {
            WriteMember(w, Users.IdOf(m));
            await o.Tick();
        }
        w.WriteEndArray();
        w.WriteStartArray("schemas");
        w.WriteStringValue(Schema);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteMember(Utf8JsonWriter w, string userId)
    {
        w.WriteStartObject();
        w.WriteString(UserJson.Value, userId);
        w.WriteString(UserJson.Type, UserJson.UserType);
        w.WriteString(UserJson.Origin, UserJson.DefaultOrigin);
        w.WriteEndObject();
    }

    /// <summary>Members of the given groups, in user order.</summary>
    private Dictionary<Ent, List<Row>> Members(IReadOnlyCollection<Ent> groups)
    {
        var result = groups.ToDictionary(g => g, _ => new List<Row>());
        lock (Sync)
        {
            var index = CurrentMembersIndex();
            // the index covers every group ordinal so far (Groups.NextOrdinal is part of its key)
            foreach (var (g, list) in result)
                for (int i = index.Start[g.Ordinal]; i < index.Start[g.Ordinal + 1]; i++) list.Add(Users[index.LivePositions[i]]);
        }
        return result;
    }

    /// <summary>
    /// Every group's members as positions in the live user list, grouped by group ordinal (compressed rows): built in two
    /// passes over the users when a group is read, and kept while no user is added or removed and no membership changes.
    /// Finding a page's members by scanning every user's links made each /Groups page cost a pass over all users (ten
    /// passes over 1M users × 5 links for one listing of 5,000 groups).
    /// </summary>
    private sealed record MembersIndex((int Users, int Links, int Groups) Key, int[] Start, int[] LivePositions);

    private MembersIndex? _membersIndex;

    private MembersIndex CurrentMembersIndex()
    {
        var key = (Users.Version, Row.LinkChanges, Groups.NextOrdinal);
        if (_membersIndex is { } cached && cached.Key == key) return cached;
        var start = new int[key.NextOrdinal + 1];
        for (int u = 0; u < Users.Count; u++)
            foreach (var l in LiveLinks(Users, Users[u]))
                start[l.Ent.Ordinal + 1]++;
        for (int g = 1; g < start.Length; g++) start[g] += start[g - 1];
        var positions = new int[start[^1]];
        var next = start[..^1];
        for (int u = 0; u < Users.Count; u++)
            foreach (var l in LiveLinks(Users, Users[u]))
                positions[next[l.Ent.Ordinal]++] = u;
        return _membersIndex = new MembersIndex(key, start, positions);
    }

    /// <summary>A listing that reached its last page lets the index go (it holds an int per membership).</summary>
    private void ReleaseMembersIndex()
    {
        lock (Sync) _membersIndex = null;
    }

    // SCIM filter: clauses `attr eq "value"` (also co, sw) joined by `and`.
    private static readonly Regex Clause = new("^\\s*(\\w+(?:\\.\\w+)?)\\s+(eq|co|sw)\\s+\"([^\"]*)\"\\s*$", RegexOptions.IgnoreCase);

    private static List<(string Attr, string Op, string Value)>? ParseFilter(string? filter)
    {
        if (string.IsNullOrWhiteSpace(filter)) return new();
        var list = new List<(string, string, string)>();
        foreach (var part in Regex.Split(filter, "\\s+and\\s+", RegexOptions.IgnoreCase))
        {
            var m = Clause.Match(part);
            if (!m.Success) return null;
            list.Add((m.Groups[1].Value.ToLowerInvariant(), m.Groups[2].Value.ToLowerInvariant(), m.Groups[3].Value));
        }
        return list;
    }

    private static bool Test(string? actual, string op, string value) => actual is not null && op switch
    {
        "eq" => string.Equals(actual, value, StringComparison.OrdinalIgnoreCase),
        "co" => actual.Contains(value, StringComparison.OrdinalIgnoreCase),
        _ => actual.StartsWith(value, StringComparison.OrdinalIgnoreCase),
    };

    private bool UserMatches(Row r, List<(string Attr, string Op, string Value)> f) => f.All(c => Test(c.Attr switch
    {
        "username" => Users.Get(r, "userName"),
        "origin" => Users.Get(r, "origin"),
        "id" => Users.IdOf(r),
        "emails.value" or "email" => Users.Get(r, "email"),
        "name.givenname" => Users.Get(r, "givenName"),
        "name.familyname" => Users.Get(r, "familyName"),
        "active" => r.Active ? "true" : "false",
        _ => null,
    }, c.Op, c.Value));

    private (int Start, int Count)? Paging(HttpContext ctx)
    {
        var start = Http.QueryInt(ctx, "startIndex") ?? 1;
        if (start < 1) start = 1;
        var count = Http.QueryInt(ctx, "count") ?? Options.DefaultPageSize ?? 100;
        if (count < 0) return null;
        return (start, Math.Min(count, 1000));
    }

    private async Task ListUsers(HttpContext ctx)
    {
        var filter = ParseFilter(Http.Query(ctx, "filter"));
        if (filter is null) { await Err(ctx, 400, "invalid_filter", "Invalid filter expression: " + Http.Query(ctx, "filter")); return; }
        if (Paging(ctx) is not { } p) { await Err(ctx, 400, "invalid_scim_resource", "Invalid count"); return; }
        List<Row> page;
        int total;
        lock (Sync)
        {
            if (filter.Count == 0)
            {
                total = Users.Count;
                page = new List<Row>(Math.Min(p.Count, Math.Max(0, total - (p.Start - 1))));
                for (int i = p.Start - 1; i < total && page.Count < p.Count; i++) page.Add(Users[i]);
            }
            else
            {
                var matches = Users.Live.Where(r => UserMatches(r, filter)).ToList();
                total = matches.Count;
                page = matches.Skip(p.Start - 1).Take(p.Count).ToList();
            }
        }
        await using var o = JsonOut.Begin(ctx);
        var w = o.W;
        w.WriteStartObject();
        w.WriteStartArray("resources");
        foreach (var r in page)
        {
            lock (Sync) WriteUser(w, r);
            await o.Tick();
        }
        w.WriteEndArray();
        w.WriteNumber("startIndex", p.Start);
        w.WriteNumber("itemsPerPage", page.Count);
        w.WriteNumber("totalResults", total);
        w.WriteStartArray("schemas");
        w.WriteStringValue(Schema);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private async Task ListGroups(HttpContext ctx)
    {
        var filter = ParseFilter(Http.Query(ctx, "filter"));
        if (filter is null) { await Err(ctx, 400, "invalid_filter", "Invalid filter expression"); return; }
        if (Paging(ctx) is not { } p) { await Err(ctx, 400, "invalid_scim_resource", "Invalid count"); return; }
        List<Ent> all;
        lock (Sync)
            all = Groups.Live.Where(g => filter.All(c => Test(c.Attr switch
            {
                "displayname" => g.Name,
                "id" => g.Id,
                _ => null,
            }, c.Op, c.Value))).ToList();
        var page = all.Skip(p.Start - 1).Take(p.Count).ToList();
        var members = Members(page);
        await using var o = JsonOut.Begin(ctx);
        var w = o.W;
        w.WriteStartObject();
        w.WriteStartArray("resources");
        foreach (var g in page)
        {
            await WriteGroup(o, g, members[g]);
        }
        w.WriteEndArray();
        w.WriteNumber("startIndex", p.Start);
        w.WriteNumber("itemsPerPage", page.Count);
        w.WriteNumber("totalResults", all.Count);
        w.WriteStartArray("schemas");
        w.WriteStringValue(Schema);
        w.WriteEndArray();
        w.WriteEndObject();
        if (p.Start - 1 + page.Count >= all.Count) ReleaseMembersIndex();
    }

    private async Task CreateUser(HttpContext ctx)
    {
        var b = await Http.JsonBody(ctx) as JObject;
        var userName = b?.Str("userName");
        if (b is null || string.IsNullOrWhiteSpace(userName))
        {
            await Err(ctx, 400, "invalid_scim_resource", "A username must be provided.");
            return;
        }
        byte[] json;
        string? existingId = null;
        lock (Sync)
        {
            if (Users.FindByUnique(userName) is { } existing)
            {
                existingId = Users.IdOf(existing);
                json = Array.Empty<byte>();
            }
            else
            {
            var now = Names.Iso(DateTime.UtcNow);
            var fields = new Dictionary<string, string?>
            {
                ["userName"] = userName,
                ["email"] = (b["emails"] as JArray)?.FirstOrDefault()?.Str("value") ?? userName,
                ["givenName"] = b["name"]?.Str("givenName") ?? "",
                ["familyName"] = b["name"]?.Str("familyName") ?? "",
                ["origin"] = b.Str("origin") ?? "sap.default",
                ["externalId"] = b.Str("externalId") ?? "",
                ["created"] = now,
                ["lastModified"] = now,
            };
            var r = Users.AddNew(fields, Http.Bool(b.Str("active")) ?? true);
            json = Render(w => WriteUser(w, r));
            ctx.Response.Headers.Location = $"{Root}/Users/{Users.IdOf(r)}";
            }
        }
        if (existingId is not null)
            await Err(ctx, 409, "scim_resource_already_exists", "Username already in use: " + userName, w => w.WriteString("user_id", existingId));
        else
            await Send(ctx, 201, json);
    }

    private async Task UpdateUser(HttpContext ctx, string id, bool replace)
    {
        var ifMatch = ctx.Request.Headers.IfMatch.ToString().Trim('"', ' ', 'W', '/');
        var b = await Http.JsonBody(ctx) as JObject;
        if (string.IsNullOrEmpty(ifMatch))
        {
            await Err(ctx, 400, "invalid_scim_resource", $"Missing If-Match for {(replace ? "PUT" : "PATCH")}");
            return;
        }
        if (b is null)
        {
            await Err(ctx, 400, "invalid_scim_resource", "Request body must be a JSON object");
            return;
        }
        byte[]? json = null;
        string? error = null;
        int status = 200;
        var version = 0;
        lock (Sync)
        {
            var r = Users.Find(id);
            if (r is null) status = 404;
            else if (ifMatch != "*" && ifMatch != r.Version.ToString(CultureInfo.InvariantCulture))
            {
                status = 409;
                error = $"Version mismatch: If-Match {ifMatch}, current version {r.Version}";
            }
            else
            {
                var newName = b.Str("userName");
                if (newName is not null && Users.FindByUnique(newName) is { } other && !ReferenceEquals(other, r))
                {
                    status = 409;
                    error = "Username already in use: " + newName;
                }
                else
                {
                    if (newName is not null) Users.Set(r, "userName", newName);
                    if (b["name"] is JObject nm)
                    {
                        if (nm.Str("givenName") is { } g) Users.Set(r, "givenName", g);
                        if (nm.Str("familyName") is { } f) Users.Set(r, "familyName", f);
                    }
                    if ((b["emails"] as JArray)?.FirstOrDefault()?.Str("value") is { } e) Users.Set(r, "email", e);
                    if (Http.Bool(b.Str("active")) is { } a) r.Active = a;
                    else if (replace) r.Active = true;
                    if (b.Str("externalId") is { } x) Users.Set(r, "externalId", x);
                    Users.Set(r, "lastModified", Names.Iso(DateTime.UtcNow));
                    r.Version++;
                    version = r.Version;
                    json = Render(w => WriteUser(w, r));
                }
            }
        }
        if (status == 404) await NotFound(ctx, "User", id);
        else if (json is null) await Err(ctx, status, error!.StartsWith("Username", StringComparison.Ordinal) ? "scim_resource_already_exists" : "invalid_scim_resource", error ?? "error");
        else
        {
            ctx.Response.Headers.ETag = "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";
            await Send(ctx, 200, json);
        }
    }

    private async Task AddMember(HttpContext ctx, string id)
    {
        var b = await Http.JsonBody(ctx) as JObject;
        var userId = b?.Str("value");
        if (userId is null)
        {
            await Err(ctx, 400, "invalid_scim_resource", "Member value (user id) is required");
            return;
        }
        int status;
        lock (Sync)
        {
            var g = Groups.Find(id);
            var u = Users.Find(userId);
            status = g is null ? 404 : u is null ? 4041 : AddLink(Users, u, 0, g) ? 201 : 409;
        }
        switch (status)
        {
            case 201: await Send(ctx, 201, Render(w => WriteMember(w, userId))); break;
            case 404: await NotFound(ctx, "Group", id); break;
            case 4041: await NotFound(ctx, "User", userId); break;
            default: await Err(ctx, 409, "member_already_exists", $"Member {userId} already exists in group {id}"); break;
        }
    }

    // ---------------- neutral ----------------

    protected override SimAccount ToNeutral(AccountTable t, Row r) => new(t.IdOf(r), t.Get(r, "userName")!, r.Active,
        new Dictionary<string, string?>
        {
            ["userName"] = t.Get(r, "userName"), ["emails.value"] = t.Get(r, "email"), ["name.givenName"] = t.Get(r, "givenName"),
            ["name.familyName"] = t.Get(r, "familyName"), ["origin"] = t.Get(r, "origin"), ["active"] = r.Active ? "true" : "false",
        });

    protected override (AccountTable, Row) NeutralCreate(string name, bool active)
    {
        if (Users.FindByUnique(name) is not null) throw new InvalidOperationException("Username already in use: " + name);
        var now = Names.Iso(DateTime.UtcNow);
        var parts = name.Split('@')[0].Split('.', ' ');
        return (Users, Users.AddNew(new Dictionary<string, string?>
        {
            ["userName"] = name, ["email"] = name.Contains('@') ? name : name + "@corp.example.com",
            ["givenName"] = parts[0], ["familyName"] = parts.Length > 1 ? parts[^1] : "", ["origin"] = "sap.default",
            ["created"] = now, ["lastModified"] = now,
        }, active));
    }

    protected override void NeutralRename(AccountTable t, Row r, string name) => t.Set(r, "userName", name);

    protected override Ent NeutralCreateEnt(int type, string name)
    {
        if (Groups.Find(name) is not null) throw new InvalidOperationException("Role collection exists: " + name);
        return Groups.Add(NewGroup(Groups.NextOrdinal, name, DateTime.UtcNow));
    }

    protected override void NeutralRenameEnt(int type, Ent e, string name)
    {
        Groups.ChangeId(e, name); // a role collection's id is its name
        base.NeutralRenameEnt(type, e, name);
    }
}
