using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AdminPortal.Simulators.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Simulators.Systems;

/// <summary>NICE inContact / CXone classic admin API under /inContactAPI/services/v{NN}.0, with the CXone
/// /auth/token endpoint and the legacy /InContactAuthorizationServer/Token endpoint.</summary>
internal sealed class InContactSimulator : SimulatorBase
{
    private const int AgentBase = 1_000_000, TeamBase = 100_000, UserSalt = 400, TeamSalt = 410;
    private const int BusNo = 4600000;
    private static readonly Regex VersionSegment = new("^v\\d+\\.0$", RegexOptions.IgnoreCase);
    private static readonly (int Id, string Name)[] Profiles = { (1, "Administrator"), (2, "Agent"), (3, "Supervisor"), (4, "Manager") };
    private static readonly string[] TeamNames = { "Default Team", "Customer Care", "Billing", "Tech Support", "Sales", "Retention", "Collections", "Escalations", "Chat Team", "Back Office" };

    private AccountTable Agents => AccountTables[0];
    private EntTable Teams => EntTables[0];
    public override string ApiPrefix => "/inContactAPI/services/v34.0";

    public InContactSimulator(SimulatorOptions o) : base(o)
    {
        AccountTables = new[]
        {
            new AccountTable("agents", x => (AgentBase + x).ToString(CultureInfo.InvariantCulture),
                (string id, out long ord) => { ord = long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v - AgentBase : -1; return ord >= 0; },
                StringComparer.Ordinal)
            {
                Derive = DeriveAgent,
                DeriveLinks = ord => Teams.SeededCount == 0 ? Array.Empty<int>() : new[] { Link.Pack(0, (int)(Ids.Hash(Seed, ord, 41) % (ulong)Teams.SeededCount), 0) },
                UniqueField = "userName",
            },
        };
        EntTables = new[] { new EntTable("Teams", StringComparer.Ordinal) };
    }

    public override SimulatedSystem System => SimulatedSystem.InContact;
    public override IReadOnlyList<string> EntitlementTypes { get; } = new[] { "Teams" };

    private string? DeriveAgent(int o, string f) => f switch
    {
        "userName" => Names.EmailOf(Seed, o, "contact.example.com"),
        "emailAddress" => Names.EmailOf(Seed, o, "contact.example.com"),
        "firstName" => Names.FirstOf(Seed, o),
        "middleName" => "",
        "lastName" => Names.LastOf(Seed, o),
        "userId" => Ids.Uuid(Seed, UserSalt, o),
        "profileId" => Profiles[(int)(Ids.Hash(Seed, o, 42) % 10) switch { 0 => 0, 1 or 2 => 2, 3 => 3, _ => 1 }].Id.ToString(CultureInfo.InvariantCulture),
        "country" => "US",
        "state" => "AZ",
        "city" => Names.CityOf(Seed, o),
        "timeZone" => "(GMT-07:00) Arizona",
        "createDate" => Names.Iso(Names.CreatedOf(Seed, o)),
        "lastUpdated" => Names.Iso(Names.CreatedOf(Seed, o).AddDays(2)),
        "lastLogin" => Names.Iso(Names.CreatedOf(Seed, o).AddDays(20 + (int)(Ids.Hash(Seed, o, 43) % 300))),
        "hireDate" => Names.Iso(Names.CreatedOf(Seed, o).Date),
        _ => null,
    };

    protected override void IssueStaticCredentials(bool rotate)
    {
        if (rotate) return;
        Creds["client_id"] = $"adminportal-sim-{Seed}@cxone.example";
        Creds["client_secret"] = Secret("ic-client", 32);
        Creds["access_key_id"] = "AK" + Secret("ic-key", 18).ToUpperInvariant();
        Creds["access_key_secret"] = Secret("ic-secret", 40);
        Creds["token_url"] = "{BaseUrl}auth/token";
        Creds["legacy_token_url"] = "{BaseUrl}InContactAuthorizationServer/Token";
        Creds["legacy_authorization"] = Http.BasicValue("AdminPortal@Simulator", BusNo.ToString(CultureInfo.InvariantCulture));
        Creds["legacy_username"] = "api.admin@contact.example.com";
        Creds["legacy_password"] = Secret("ic-pw", 16);
        Creds["api_base"] = "{BaseUrl}inContactAPI/services/v34.0";
    }

    protected override void SeedStore()
    {
        var n = Math.Max(1, Options.EntitlementsPerType);
        for (int i = 0; i < n; i++)
        {
            var t = Teams.Add(new Ent
            {
                Ordinal = i, Id = (TeamBase + i).ToString(CultureInfo.InvariantCulture), Name = i < TeamNames.Length ? TeamNames[i] : $"Team {i + 1:D3}",
                Description = i == 0 ? "Business unit default team" : $"Team {i + 1}", Created = Names.BaseTime.AddDays(-90 + i), Updated = Names.BaseTime.AddDays(-10 + i),
            });
            t.Extra["teamUuid"] = Ids.Uuid(Seed, TeamSalt, i);
            t.Extra["teamLeadId"] = Options.Accounts > i ? (AgentBase + i).ToString(CultureInfo.InvariantCulture) : null;
        }
        Teams.SeededCount = n;
        Agents.Reserve(Options.Accounts);
        for (int i = 0; i < Options.Accounts; i++) Agents.AddSeeded(Percent(i, 1) >= 10);
    }

    private Ent DefaultTeam => Teams.Live.First();

    private Ent? TeamOf(Row r) => LiveLinks(Agents, r).Select(l => l.Ent).FirstOrDefault();

    private void MoveToTeam(Row r, Ent team)
    {
        SetLinks(r, new[] { (0, team, 0) });
        Agents.Set(r, "lastUpdated", Names.Iso(DateTime.UtcNow));
    }

    // ---------------- auth ----------------

    public override bool IsPublic(PathString path) =>
        path.StartsWithSegments("/auth/token", StringComparison.OrdinalIgnoreCase) ||
        path.StartsWithSegments("/InContactAuthorizationServer/Token", StringComparison.OrdinalIgnoreCase) ||
        path.StartsWithSegments("/.well-known", StringComparison.OrdinalIgnoreCase);

    public override async Task<bool> Authenticate(HttpContext ctx)
    {
        var t = Http.Bearer(ctx);
        if (t is not null && Tokens.IsValid(t)) return true;
        var msg = t is null ? "Authorization header missing" : Tokens.IsKnown(t) ? "Token expired" : "Invalid token";
        ctx.Response.Headers["icStatusDescription"] = msg;
        await Http.WriteJson(ctx, 401, w => { w.WriteStartObject(); w.WriteString("error", "invalid_token"); w.WriteString("error_description", msg); w.WriteEndObject(); });
        return false;
    }

    public override Task WriteError(HttpContext ctx, int status, string message, int? bodyStatus = null)
    {
        ctx.Response.Headers["icStatusDescription"] = message;
        var code = (bodyStatus ?? status) switch
        {
            400 => "invalid_request", 401 => "invalid_token", 403 => "forbidden", 404 => "not_found", 409 => "conflict", 429 => "too_many_requests",
            503 => "service_unavailable", _ => "server_error",
        };
        return Http.WriteJson(ctx, status, w => { w.WriteStartObject(); w.WriteString("error", code); w.WriteString("error_description", message); w.WriteEndObject(); });
    }

    private Task TokenError(HttpContext ctx, string error, string description, int status = 400) =>
        Http.WriteJson(ctx, status, w => { w.WriteStartObject(); w.WriteString("error", error); w.WriteString("error_description", description); w.WriteEndObject(); });

    /// <summary>CXone: POST /auth/token, form, client via Basic or body; grants password (access key) and refresh_token.</summary>
    private async Task CxoneToken(HttpContext ctx)
    {
        var f = await Http.FlatBody(ctx);
        var basic = Http.Basic(ctx);
        var cid = basic?.User ?? f.GetValueOrDefault("client_id");
        var csec = basic?.Password ?? f.GetValueOrDefault("client_secret");
        if (cid != Creds["client_id"] || (csec is not null && csec != Creds["client_secret"]) || (csec is null && f.GetValueOrDefault("grant_type") != "refresh_token"))
        {
            await TokenError(ctx, "invalid_client", "Client authentication failed");
            return;
        }
        switch (f.GetValueOrDefault("grant_type"))
        {
            case "password":
                if (f.GetValueOrDefault("username") != Creds["access_key_id"] || f.GetValueOrDefault("password") != Creds["access_key_secret"])
                {
                    await TokenError(ctx, "invalid_grant", "Invalid access key");
                    return;
                }
                break;
            case "refresh_token":
                if (f.GetValueOrDefault("refresh_token") is not { } rt || !Tokens.RedeemRefresh(rt))
                {
                    await TokenError(ctx, "invalid_grant", "Invalid or expired refresh token");
                    return;
                }
                break;
            default:
                await TokenError(ctx, "unsupported_grant_type", "Unsupported grant type");
                return;
        }
        var life = Options.TokenLifetime;
        var access = Tokens.Issue(life, "cx.");
        var refresh = Tokens.IssueRefresh(Options.RefreshTokenLifetime);
        ctx.Response.Headers.CacheControl = "no-store";
        ctx.Response.Headers.Pragma = "no-cache";
        await Http.WriteJson(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("access_token", access);
            w.WriteString("token_type", "Bearer");
            w.WriteNumber("expires_in", (long)life.TotalSeconds);
            w.WriteString("refresh_token", refresh);
            w.WriteString("id_token", "eyJhbGciOiJub25lIn0." + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{{\"tenantId\":\"{Ids.Uuid(Seed, 499, 0)}\"}}")).TrimEnd('=') + ".");
            w.WriteString("issued_token_type", "urn:ietf:params:oauth:token-type:access_token");
            w.WriteEndObject();
        });
    }

    /// <summary>Legacy: POST /InContactAuthorizationServer/Token, Basic "App@Vendor:BU", JSON or form body.</summary>
    private async Task LegacyToken(HttpContext ctx)
    {
        var f = await Http.FlatBody(ctx);
        if (!string.Equals(ctx.Request.Headers.Authorization.ToString(), Creds["legacy_authorization"], StringComparison.OrdinalIgnoreCase) &&
            Http.Basic(ctx) is not { User: "AdminPortal@Simulator" })
        {
            await TokenError(ctx, "invalid_client", "Invalid application authorization");
            return;
        }
        switch (f.GetValueOrDefault("grant_type"))
        {
            case "password":
                if (f.GetValueOrDefault("username") != Creds["legacy_username"] || f.GetValueOrDefault("password") != Creds["legacy_password"])
                {
                    await TokenError(ctx, "invalid_grant", "Invalid username or password");
                    return;
                }
                break;
            case "refresh_token":
                if (f.GetValueOrDefault("refresh_token") is not { } rt || !Tokens.RedeemRefresh(rt))
                {
                    await TokenError(ctx, "invalid_grant", "Invalid or expired refresh token");
                    return;
                }
                break;
            default:
                await TokenError(ctx, "unsupported_grant_type", "Unsupported grant type");
                return;
        }
        var life = Options.TokenLifetime;
        var access = Tokens.Issue(life, "ic.");
        var refresh = Tokens.IssueRefresh(Options.RefreshTokenLifetime);
        await Http.WriteJson(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("access_token", access);
            w.WriteString("token_type", "bearer");
            w.WriteNumber("expires_in", (long)life.TotalSeconds);
            w.WriteString("refresh_token", refresh);
            w.WriteString("scope", "RealTimeApi AdminApi ReportingApi");
            w.WriteString("resource_server_base_uri", Root + "/inContactAPI/");
            w.WriteString("refresh_token_server_uri", Root + "/InContactAuthorizationServer/Token");
            w.WriteNumber("agent_id", AgentBase);
            w.WriteNumber("team_id", TeamBase);
            w.WriteNumber("bus_no", BusNo);
            w.WriteEndObject();
        });
    }

    public override (int Limit, TimeSpan Window, bool RetryAfter, bool IdleBlock) RateLimitDefaults => (600, TimeSpan.FromMinutes(1), true, false);

    // ---------------- JSON ----------------

    private void WriteAgent(Utf8JsonWriter w, Row r, bool brief = false)
    {
        var team = TeamOf(r);
        var profileId = int.Parse(Agents.Get(r, "profileId") ?? "2", CultureInfo.InvariantCulture);
        w.WriteStartObject();
        w.WriteNumber("agentId", long.Parse(Agents.IdOf(r), CultureInfo.InvariantCulture));
        w.WriteString("firstName", Agents.Get(r, "firstName"));
        w.WriteString("lastName", Agents.Get(r, "lastName"));
        if (brief)
        {
            w.WriteString("userName", Agents.Get(r, "userName"));
            w.WriteBoolean("isActive", r.Active);
            w.WriteEndObject();
            return;
        }
        w.WriteString("userId", Agents.Get(r, "userId"));
        w.WriteString("userID", Agents.Get(r, "userId"));
        w.WriteString("userName", Agents.Get(r, "userName"));
        w.WriteString("middleName", Agents.Get(r, "middleName"));
        w.WriteString("emailAddress", Agents.Get(r, "emailAddress"));
        w.WriteBoolean("isActive", r.Active);
        w.WriteBoolean("isLocked", false);
        if (team is null) { w.WriteNull("teamId"); w.WriteNull("teamName"); w.WriteNull("teamUuid"); }
        else
        {
            w.WriteNumber("teamId", int.Parse(team.Id, CultureInfo.InvariantCulture));
            w.WriteString("teamName", team.Name);
            w.WriteString("teamUuid", team.Extra.GetValueOrDefault("teamUuid"));
        }
        w.WriteNull("reportToId");
        w.WriteString("reportToName", "");
        w.WriteBoolean("isSupervisor", profileId == 3);
        w.WriteNumber("profileId", profileId);
        w.WriteString("profileName", Profiles.FirstOrDefault(p => p.Id == profileId).Name ?? "Agent");
        w.WriteString("timeZone", Agents.Get(r, "timeZone"));
        w.WriteString("country", Agents.Get(r, "country"));
        w.WriteString("countryName", Agents.Get(r, "country") == "US" ? "United States" : Agents.Get(r, "country"));
        w.WriteString("state", Agents.Get(r, "state"));
        w.WriteString("city", Agents.Get(r, "city"));
        w.WriteString("userType", "Agent");
        w.WriteString("federatedId", Agents.Get(r, "federatedId") ?? "");
        w.WriteString("internalId", Agents.Get(r, "internalId") ?? "");
        w.WriteString("location", Agents.Get(r, "location") ?? "");
        w.WriteString("hireDate", Agents.Get(r, "hireDate"));
        w.WriteString("terminationDate", Agents.Get(r, "terminationDate"));
        w.WriteString("createDate", Agents.Get(r, "createDate"));
        if (r.Active) w.WriteNull("inactiveDate"); else w.WriteString("inactiveDate", Agents.Get(r, "inactiveDate") ?? Agents.Get(r, "lastUpdated"));
        w.WriteString("lastLogin", Agents.Get(r, "lastLogin"));
        w.WriteString("lastUpdated", Agents.Get(r, "lastUpdated"));
        w.WriteString("notes", Agents.Get(r, "notes") ?? "");
        for (int i = 1; i <= 5; i++) w.WriteString("custom" + i, Agents.Get(r, "custom" + i) ?? "");
        w.WriteEndObject();
    }

    private void WriteTeam(Utf8JsonWriter w, Ent t, int agentCount)
    {
        w.WriteStartObject();
        WriteTeamFields(w, t, agentCount);
        w.WriteEndObject();
    }

    private static void WriteTeamFields(Utf8JsonWriter w, Ent t, int agentCount)
    {
        w.WriteNumber("teamId", int.Parse(t.Id, CultureInfo.InvariantCulture));
        w.WriteString("teamName", t.Name);
        w.WriteBoolean("isActive", t.Active);
        w.WriteString("description", t.Description ?? "");
        w.WriteString("notes", t.Extra.GetValueOrDefault("notes") ?? "");
        w.WriteString("lastUpdateTime", Names.Iso(t.Updated));
        w.WriteNumber("agentCount", agentCount);
        if (t.Extra.GetValueOrDefault("teamLeadId") is { } lead) w.WriteNumber("teamLeadId", int.Parse(lead, CultureInfo.InvariantCulture)); else w.WriteNull("teamLeadId");
        w.WriteString("teamUuid", t.Extra.GetValueOrDefault("teamUuid"));
        w.WriteNumber("divisionNo", 0);
        w.WriteNumber("maxConcurrentChats", 3);
    }

    /// <summary>A team with its agents, streamed (a team can hold hundreds of thousands of agents).</summary>
    private async Task WriteTeamWithAgents(JsonOut o, Ent team, List<Row> all, List<Row> page)
    {
        var w = o.W;
        w.WriteStartObject();
        WriteTeamFields(w, team, all.Count);
        w.WriteStartArray("agents");
        foreach (var a in page)
        {
            lock (Sync) WriteAgent(w, a, brief: true);
            await o.Tick();
        }
        w.WriteEndArray();
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
        ctx.Response.ContentType = "application/json; charset=utf-8";
        await ctx.Response.Body.WriteAsync(json, ctx.RequestAborted);
    }

    private static string Now => Names.Iso(DateTime.UtcNow);

    // ---------------- routes ----------------

    public override void MapRoutes(IEndpointRouteBuilder app)
    {
        app.MapPost("/auth/token", CxoneToken);
        app.MapPost("/InContactAuthorizationServer/Token", LegacyToken);
        app.MapGet("/.well-known/openid-configuration", ctx => Http.WriteJson(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("issuer", Root);
            w.WriteString("token_endpoint", Root + "/auth/token");
            w.WriteEndObject();
        }));
        app.MapGet("/.well-known/cxone-configuration", ctx => Http.WriteJson(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("api_endpoint", Root);
            w.WriteString("auth_endpoint", Root);
            w.WriteString("area", "na1");
            w.WriteString("tenantId", Ids.Uuid(Seed, 499, 0));
            w.WriteBoolean("private", false);
            w.WriteEndObject();
        }));

        var g = app.MapGroup("/inContactAPI/services/{version}");
        g.AddEndpointFilter(async (fctx, next) =>
        {
            var v = fctx.HttpContext.Request.RouteValues["version"]?.ToString() ?? "";
            if (!VersionSegment.IsMatch(v))
            {
                await WriteError(fctx.HttpContext, 404, "Unknown API version " + v);
                return Results.Empty;
            }
            return await next(fctx);
        });

        g.MapGet("/agents", ListAgents);
        g.MapGet("/agents/{id}", async (HttpContext ctx, string id) =>
        {
            byte[]? json;
            lock (Sync) json = FindAgent(id) is { } r ? Render(w => { w.WriteStartObject(); w.WriteStartArray("agents"); WriteAgent(w, r); w.WriteEndArray(); w.WriteEndObject(); }) : null;
            await (json is null ? WriteError(ctx, 404, $"Agent {id} not found") : Send(ctx, 200, json));
        });
        g.MapPost("/agents", CreateAgents);
        g.MapPut("/agents", UpdateAgentsBatch);
        g.MapPut("/agents/{id}", UpdateAgent);
        g.MapGet("/agents/{id}/groups", async (HttpContext ctx, string id) =>
        {
            bool found;
            lock (Sync) found = FindAgent(id) is not null;
            if (!found) await WriteError(ctx, 404, $"Agent {id} not found");
            else await Http.WriteJson(ctx, 200, w => { w.WriteStartObject(); w.WriteStartArray("agentGroups"); w.WriteEndArray(); w.WriteEndObject(); });
        });

        g.MapGet("/teams", ListTeams);
        g.MapGet("/teams/agents", async ctx =>
        {
            List<(Ent Team, List<Row> Agents)> teams;
            lock (Sync) teams = TeamsWithAgents(Teams.LiveList());
            await using var o = JsonOut.Begin(ctx);
            o.W.WriteStartObject();
            o.W.WriteNumber("businessUnitId", BusNo);
            o.W.WriteString("lastPollTime", Now);
            o.W.WriteStartArray("teams");
            foreach (var (t, agents) in teams) await WriteTeamWithAgents(o, t, agents, agents);
            o.W.WriteEndArray();
            o.W.WriteEndObject();
        });
        g.MapGet("/teams/{teamId}", async (HttpContext ctx, string teamId) =>
        {
            Ent? team;
            List<Row> agents;
            lock (Sync)
            {
                team = Teams.Find(teamId);
                agents = team is null ? new() : TeamsWithAgents(new List<Ent> { team })[0].Agents;
            }
            if (team is null) { await WriteError(ctx, 404, $"Team {teamId} not found"); return; }
            await using var o = JsonOut.Begin(ctx);
            var w = o.W;
            w.WriteStartObject();
            w.WriteNumber("businessUnitId", BusNo);
            w.WriteString("lastPollTime", Now);
            w.WriteStartArray("teams");
            await WriteTeamWithAgents(o, team, agents, agents);
            w.WriteEndArray();
            if (Options.InContactTopLevelAgents)
            {
                w.WriteStartArray("agents");
                foreach (var a in agents)
                {
                    lock (Sync) WriteAgent(w, a, brief: true);
                    await o.Tick();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        });
        g.MapGet("/teams/{teamId}/agents", async (HttpContext ctx, string teamId) =>
        {
            Ent? team;
            List<Row> agents;
            lock (Sync)
            {
                team = Teams.Find(teamId);
                agents = team is null ? new() : TeamsWithAgents(new List<Ent> { team })[0].Agents;
            }
            if (team is null) { await WriteError(ctx, 404, $"Team {teamId} not found"); return; }
            var skip = Math.Max(0, Http.QueryInt(ctx, "skip") ?? 0);
            var top = Http.QueryInt(ctx, "top") ?? 10_000;
            var page = agents.Skip(skip).Take(top).ToList();
            if (page.Count == 0) { ctx.Response.StatusCode = 204; return; }
            await using var o = JsonOut.Begin(ctx);
            o.W.WriteStartObject();
            o.W.WriteNumber("businessUnitId", BusNo);
            o.W.WriteString("lastPollTime", Now);
            o.W.WriteNumber("totalRecords", agents.Count);
            o.W.WriteStartArray("teams");
            await WriteTeamWithAgents(o, team, agents, page);
            o.W.WriteEndArray();
            o.W.WriteEndObject();
        });
        g.MapPost("/teams", CreateTeams);
        g.MapPut("/teams/{teamId}", UpdateTeam);
        g.MapPost("/teams/{teamId}/agents", AddAgentsToTeam);
        g.MapDelete("/teams/{teamId}/agents", RemoveAgentsFromTeam);

        g.MapGet("/security-profiles", ctx => Http.WriteJson(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("_links");
            w.WriteString("self", $"{Root}{ctx.Request.Path}");
            w.WriteNull("next");
            w.WriteNull("previous");
            w.WriteEndObject();
            w.WriteNumber("totalRecords", Profiles.Length);
            w.WriteStartArray("profiles");
            foreach (var p in Profiles)
            {
                w.WriteStartObject();
                w.WriteNumber("securityProfileId", p.Id);
                w.WriteString("securityProfileName", p.Name);
                w.WriteString("description", p.Name + " profile");
                w.WriteString("securityProfileStatusName", "Active");
                w.WriteBoolean("isInternal", false);
                w.WriteNumber("roleId", p.Id);
                w.WriteStartArray("permissions"); w.WriteEndArray();
                w.WriteStartArray("dataRestrictions"); w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }));
        g.MapGet("/security-profiles/{profileId:int}", async (HttpContext ctx, int profileId) =>
        {
            var p = Profiles.FirstOrDefault(x => x.Id == profileId);
            if (p.Name is null) { await WriteError(ctx, 404, $"Security profile {profileId} not found"); return; }
            List<Row> assigned;
            lock (Sync) assigned = Agents.Live.Where(r => Agents.Get(r, "profileId") == profileId.ToString(CultureInfo.InvariantCulture)).ToList();
            await using var o = JsonOut.Begin(ctx);
            o.W.WriteStartObject();
            o.W.WriteStartObject("profile");
            o.W.WriteNumber("profileId", p.Id);
            o.W.WriteString("profileName", p.Name);
            o.W.WriteString("description", p.Name + " profile");
            o.W.WriteBoolean("isActive", true);
            o.W.WriteBoolean("isExternal", false);
            o.W.WriteStartArray("assignedAgents");
            foreach (var a in assigned)
            {
                lock (Sync) WriteAgent(o.W, a, brief: true);
                await o.Tick();
            }
            o.W.WriteEndArray();
            o.W.WriteEndObject();
            o.W.WriteEndObject();
        });
    }

    private Row? FindAgent(string id) =>
        Agents.Find(id) ?? (id.Length == 36 && Ids.TryParseUuid(id, Seed, UserSalt, out var o) ? Agents.Find((AgentBase + o).ToString(CultureInfo.InvariantCulture)) : null)
        ?? Agents.Live.FirstOrDefault(r => r.Fields is { } f && f.TryGetValue("userId", out var u) && string.Equals(u, id, StringComparison.OrdinalIgnoreCase));

    private List<(Ent Team, List<Row> Agents)> TeamsWithAgents(List<Ent> teams)
    {
        var map = teams.ToDictionary(t => t, _ => new List<Row>());
        foreach (var r in Agents.Live)
            if (TeamOf(r) is { } t && map.TryGetValue(t, out var list)) list.Add(r);
        return teams.Select(t => (t, map[t])).ToList();
    }

    private string PageUrl(HttpContext ctx, int skip, int top)
    {
        var q = ctx.Request.Query.Where(kv => kv.Key is not "skip" and not "top").Select(kv => $"{kv.Key}={Uri.EscapeDataString(kv.Value.ToString())}").ToList();
        q.Add($"skip={skip}");
        q.Add($"top={top}");
        return $"{Root}{ctx.Request.PathBase}{ctx.Request.Path}?{string.Join("&", q)}";
    }

    private static bool Matches(string? search, params string?[] values) =>
        search is null || values.Any(v => v?.Contains(search, StringComparison.OrdinalIgnoreCase) == true);

    private async Task ListAgents(HttpContext ctx)
    {
        var skip = Math.Max(0, Http.QueryInt(ctx, "skip") ?? 0);
        var top = Math.Clamp(Http.QueryInt(ctx, "top") ?? Options.DefaultPageSize ?? 10_000, 1, 10_000);
        var isActive = Http.Bool(Http.Query(ctx, "isActive"));
        var search = Http.Query(ctx, "searchString");
        List<Row> page;
        int total;
        lock (Sync)
        {
            if (isActive is null && search is null)
            {
                total = Agents.Count;
                page = new List<Row>();
                for (int i = skip; i < total && page.Count < top; i++) page.Add(Agents[i]);
            }
            else
            {
                var all = Agents.Live.Where(r => (isActive is null || r.Active == isActive) &&
                    Matches(search, Agents.Get(r, "userName"), Agents.Get(r, "firstName"), Agents.Get(r, "lastName"), Agents.Get(r, "emailAddress"))).ToList();
                total = all.Count;
                page = all.Skip(skip).Take(top).ToList();
            }
        }
        if (page.Count == 0)
        {
            ctx.Response.StatusCode = 204; // no rows → 204 without body
            return;
        }
        await using var o = JsonOut.Begin(ctx);
        var w = o.W;
        w.WriteStartObject();
        w.WriteNumber("businessUnitId", BusNo);
        w.WriteString("lastPollTime", Now);
        w.WriteNumber("totalRecords", total);
        w.WriteNumber("hiddenAgents", 0);
        WriteLinks(w, ctx, skip, top, total);
        w.WriteStartArray("agents");
        foreach (var r in page)
        {
            lock (Sync) WriteAgent(w, r);
            await o.Tick();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private void WriteLinks(Utf8JsonWriter w, HttpContext ctx, int skip, int top, int total)
    {
        w.WriteStartObject("_links");
        w.WriteString("self", PageUrl(ctx, skip, top));
        if (skip + top < total) w.WriteString("next", PageUrl(ctx, skip + top, top)); else w.WriteNull("next");
        if (skip > 0) w.WriteString("previous", PageUrl(ctx, Math.Max(0, skip - top), top)); else w.WriteNull("previous");
        w.WriteEndObject();
    }

    private async Task ListTeams(HttpContext ctx)
    {
        var skip = Math.Max(0, Http.QueryInt(ctx, "skip") ?? 0);
        var top = Math.Clamp(Http.QueryInt(ctx, "top") ?? Options.DefaultPageSize ?? 10_000, 1, 10_000);
        var isActive = Http.Bool(Http.Query(ctx, "isActive"));
        var search = Http.Query(ctx, "searchString");
        List<(Ent Team, List<Row> Agents)> all;
        lock (Sync)
            all = TeamsWithAgents(Teams.Live.Where(t => (isActive is null || t.Active == isActive) && Matches(search, t.Name, t.Description)).ToList());
        var page = all.Skip(skip).Take(top).ToList();
        if (page.Count == 0) { ctx.Response.StatusCode = 204; return; }
        await using var o = JsonOut.Begin(ctx);
        var w = o.W;
        w.WriteStartObject();
        w.WriteNumber("businessUnitId", BusNo);
        w.WriteString("lastPollTime", Now);
        w.WriteNumber("totalRecords", all.Count);
        WriteLinks(w, ctx, skip, top, all.Count);
        w.WriteStartArray("teams");
        foreach (var (t, agents) in page) WriteTeam(w, t, agents.Count);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Agent fields accepted on create/update (others ignored).</summary>
    private static readonly string[] Writable =
    {
        "firstName", "middleName", "lastName", "emailAddress", "userName", "userId", "country", "state", "city", "timeZone", "federatedId",
        "internalId", "location", "hireDate", "terminationDate", "notes", "custom1", "custom2", "custom3", "custom4", "custom5",
    };

    private static IEnumerable<JObject> Items(JToken? body, string plural, string singular)
    {
        if (body?[plural] is JArray arr) return arr.OfType<JObject>();
        if (body?[singular] is JObject one) return new[] { one };
        return Array.Empty<JObject>();
    }

    /// <summary>Applies fields to an agent; returns an error message or null.</summary>
    private string? Apply(Row r, JObject item)
    {
        if (item.Str("userName") is { } un && Agents.FindByUnique(un) is { } other && !ReferenceEquals(other, r))
            return $"UserName {un} already exists";
        if (item.Str("teamId") is { } tid)
        {
            if (Teams.Find(tid) is not { } team) return $"Team {tid} not found";
            MoveToTeam(r, team);
        }
        if (item.Str("profileId") is { } pid)
        {
            if (!Profiles.Any(p => p.Id.ToString(CultureInfo.InvariantCulture) == pid)) return $"Security profile {pid} not found";
            Agents.Set(r, "profileId", pid);
        }
        foreach (var f in Writable)
            if (item.Str(f) is { } v) Agents.Set(r, f, v);
        if (Http.Bool(item.Str("isActive")) is { } a && a != r.Active)
        {
            r.Active = a;
            Agents.Set(r, "inactiveDate", a ? null : Now);
        }
        Agents.Set(r, "lastUpdated", Now);
        r.Version++;
        return null;
    }

    private async Task CreateAgents(HttpContext ctx)
    {
        var items = Items(await Http.JsonBody(ctx), "agents", "agent").ToList();
        if (items.Count == 0 || items.Count > 200)
        {
            await WriteError(ctx, 400, "Request must contain 1 to 200 agents");
            return;
        }
        var results = new List<(string? AgentId, string? Error)>();
        lock (Sync)
        {
            foreach (var item in items)
            {
                var missing = new[] { "firstName", "lastName", "emailAddress", "userName" }.Where(f => string.IsNullOrWhiteSpace(item.Str(f))).ToList();
                if (Options.Strict) missing.AddRange(new[] { "teamId", "profileId", "city", "country", "timeZone" }.Where(f => string.IsNullOrWhiteSpace(item.Str(f))));
                if (missing.Count > 0) { results.Add((null, "Missing required field(s): " + string.Join(", ", missing))); continue; }
                if (Agents.FindByUnique(item.Str("userName")!) is not null) { results.Add((null, $"UserName {item.Str("userName")} already exists")); continue; }
                if (item.Str("teamId") is { } tid && Teams.Find(tid) is null) { results.Add((null, $"Team {tid} not found")); continue; }
                var ordinal = Agents.NextOrdinal;
                var r = Agents.AddNew(new Dictionary<string, string?>
                {
                    ["userName"] = item.Str("userName"), ["createDate"] = Now, ["lastUpdated"] = Now, ["lastLogin"] = null, ["hireDate"] = Now,
                    ["userId"] = string.IsNullOrWhiteSpace(item.Str("userId")) ? Ids.Uuid(Seed, UserSalt, ordinal) : item.Str("userId"),
                    ["profileId"] = "2", ["timeZone"] = "(GMT-07:00) Arizona", ["middleName"] = "",
                }, Http.Bool(item.Str("isActive")) ?? true);
                MoveToTeam(r, DefaultTeam);
                var err = Apply(r, item);
                r.Version = 0;
                results.Add((Agents.IdOf(r), err));
            }
        }
        var errors = results.Count(x => x.Error is not null);
        await Http.WriteJson(ctx, errors == 0 ? 200 : 206, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("errorCount", errors);
            w.WriteStartArray("agentResults");
            foreach (var (id, error) in results)
            {
                w.WriteStartObject();
                if (id is null) w.WriteNull("agentId"); else w.WriteNumber("agentId", long.Parse(id, CultureInfo.InvariantCulture));
                w.WriteBoolean("success", error is null);
                Prop(w, "error", error);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private async Task UpdateAgentsBatch(HttpContext ctx)
    {
        var items = Items(await Http.JsonBody(ctx), "agents", "agent").ToList();
        if (items.Count == 0) { await WriteError(ctx, 400, "Request must contain agents"); return; }
        var results = new List<(string Id, string? Error)>();
        lock (Sync)
            foreach (var item in items)
            {
                var id = item.Str("agentId") ?? "";
                var r = FindAgent(id);
                results.Add((id, r is null ? $"Agent {id} not found" : Apply(r, item)));
            }
        var errors = results.Count(x => x.Error is not null);
        await Http.WriteJson(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("errorCount", errors);
            w.WriteStartArray("agentResults");
            foreach (var (id, error) in results)
            {
                w.WriteStartObject();
                w.WriteString("agentId", id);
                w.WriteBoolean("success", error is null);
                Prop(w, "error", error);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>PUT /agents/{id} with {agent:{…}} (documented) or {agents:[{…}]} (Saviynt package).</summary>
    private async Task UpdateAgent(HttpContext ctx, string id)
    {
        var body = await Http.JsonBody(ctx);
        var item = body?["agent"] as JObject ?? (Options.Strict ? null : (body?["agents"] as JArray)?.OfType<JObject>().FirstOrDefault());
        if (item is null) { await WriteError(ctx, 400, "Body must contain an agent object"); return; }
        string? error;
        bool found;
        lock (Sync)
        {
            var r = FindAgent(id);
            found = r is not null;
            error = r is null ? null : Apply(r, item);
        }
        if (!found) await WriteError(ctx, 404, $"Agent {id} not found");
        else if (error is not null) await WriteError(ctx, 400, error);
        else await Http.WriteJson(ctx, 200, w => { w.WriteStartObject(); w.WriteNull("error"); w.WriteEndObject(); });
    }

    private async Task CreateTeams(HttpContext ctx)
    {
        var items = Items(await Http.JsonBody(ctx), "teams", "team").ToList();
        if (items.Count == 0) { await WriteError(ctx, 400, "Request must contain teams"); return; }
        var results = new List<(string? Id, string? Error)>();
        lock (Sync)
            foreach (var item in items)
            {
                var name = item.Str("teamName");
                if (string.IsNullOrWhiteSpace(name)) results.Add((null, "teamName is required"));
                else if (Teams.Live.Any(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase))) results.Add((null, $"Team {name} already exists"));
                else
                {
                    var t = NewTeam(name, item.Str("description"));
                    t.Active = Http.Bool(item.Str("isActive")) ?? true;
                    if (item.Str("notes") is { } n) t.Extra["notes"] = n;
                    results.Add((t.Id, null));
                }
            }
        var errors = results.Count(x => x.Error is not null);
        await Http.WriteJson(ctx, errors == 0 ? 200 : 206, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("errorCount", errors);
            w.WriteStartArray("results");
            foreach (var (id, error) in results)
            {
                w.WriteStartObject();
                w.WriteBoolean("success", error is null);
                if (id is null) w.WriteNull("teamId"); else w.WriteNumber("teamId", int.Parse(id, CultureInfo.InvariantCulture));
                Prop(w, "error", error);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private Ent NewTeam(string name, string? description)
    {
        var i = Teams.NextOrdinal;
        var t = Teams.Add(new Ent { Ordinal = i, Id = (TeamBase + i).ToString(CultureInfo.InvariantCulture), Name = name, Description = description ?? "", Created = DateTime.UtcNow, Updated = DateTime.UtcNow });
        t.Extra["teamUuid"] = Ids.Uuid(Seed, TeamSalt, i);
        t.Extra["teamLeadId"] = null;
        return t;
    }

    private async Task UpdateTeam(HttpContext ctx, string teamId)
    {
        var body = await Http.JsonBody(ctx);
        var item = body?["team"] as JObject;
        if (item is null || string.IsNullOrWhiteSpace(item.Str("teamName"))) { await WriteError(ctx, 400, "team.teamName is required"); return; }
        bool found;
        lock (Sync)
        {
            var t = Teams.Find(teamId);
            found = t is not null;
            if (t is not null)
            {
                t.Name = item.Str("teamName")!;
                if (item.Str("description") is { } d) t.Description = d;
                if (Http.Bool(item.Str("isActive")) is { } a) t.Active = a;
                if (item.Str("notes") is { } n) t.Extra["notes"] = n;
                t.Updated = DateTime.UtcNow;
            }
        }
        if (!found) await WriteError(ctx, 404, $"Team {teamId} not found");
        else await Http.WriteJson(ctx, 200, w => { w.WriteStartObject(); w.WriteNull("error"); w.WriteEndObject(); });
    }

    private static string? AgentIdOf(JObject item) => item.Str("agentId");

    private async Task AddAgentsToTeam(HttpContext ctx, string teamId)
    {
        var items = Items(await Http.JsonBody(ctx), "agents", "agent").ToList();
        if (items.Count == 0 || items.Count > 200) { await WriteError(ctx, 400, "Request must contain 1 to 200 agents"); return; }
        var results = new List<(string Id, string? Error)>();
        bool found;
        lock (Sync)
        {
            var team = Teams.Find(teamId);
            found = team is not null;
            if (team is not null)
                foreach (var item in items)
                {
                    var id = AgentIdOf(item) ?? "";
                    var r = FindAgent(id);
                    if (r is null) results.Add((id, $"Agent {id} not found"));
                    else
                    {
                        MoveToTeam(r, team); // an agent is in exactly one team: adding moves it
                        results.Add((id, null));
                    }
                }
        }
        if (!found) { await WriteError(ctx, 404, $"Team {teamId} not found"); return; }
        await WriteResultSet(ctx, results);
    }

    private async Task RemoveAgentsFromTeam(HttpContext ctx, string teamId)
    {
        var items = Items(await Http.JsonBody(ctx), "agents", "agent").ToList();
        var transfer = Http.Query(ctx, "transferTeamId");
        if (transfer is null && Options.Strict) { await WriteError(ctx, 400, "transferTeamId is required"); return; }
        if (items.Count == 0) { await WriteError(ctx, 400, "Request must contain agents"); return; }
        var results = new List<(string Id, string? Error)>();
        int status = 200;
        lock (Sync)
        {
            var team = Teams.Find(teamId);
            // lenient: no transferTeamId → the agent moves to the business unit's default team
            var target = transfer is not null ? Teams.Find(transfer) : ReferenceEquals(DefaultTeam, team) ? null : DefaultTeam;
            if (team is null) status = 404;
            else if (transfer is not null && target is null) status = 4040;
            else
                foreach (var item in items)
                {
                    var id = AgentIdOf(item) ?? "";
                    var r = FindAgent(id);
                    if (r is null) results.Add((id, $"Agent {id} not found"));
                    else if (!ReferenceEquals(TeamOf(r), team)) results.Add((id, $"Agent {id} is not a member of team {teamId}"));
                    else if (target is null) results.Add((id, "Agent must belong to a team: give transferTeamId"));
                    else
                    {
                        MoveToTeam(r, target);
                        results.Add((id, null));
                    }
                }
        }
        if (status == 404) await WriteError(ctx, 404, $"Team {teamId} not found");
        else if (status == 4040) await WriteError(ctx, 404, $"Transfer team {transfer} not found");
        else await WriteResultSet(ctx, results);
    }

    private static Task WriteResultSet(HttpContext ctx, List<(string Id, string? Error)> results)
    {
        var errors = results.Count(x => x.Error is not null);
        return Http.WriteJson(ctx, errors == 0 ? 200 : 206, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("resultSet");
            w.WriteNumber("errorCount", errors);
            w.WriteStartArray("agentResults");
            foreach (var (id, error) in results)
            {
                w.WriteStartObject();
                w.WriteString("agentId", id);
                w.WriteBoolean("success", error is null);
                Prop(w, "error", error);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    // ---------------- neutral ----------------

    protected override SimAccount ToNeutral(AccountTable t, Row r) => new(t.IdOf(r), t.Get(r, "userName")!, r.Active,
        new Dictionary<string, string?>
        {
            ["userName"] = t.Get(r, "userName"), ["isActive"] = r.Active ? "true" : "false",
            ["emailAddress"] = t.Get(r, "emailAddress"), ["firstName"] = t.Get(r, "firstName"), ["middleName"] = t.Get(r, "middleName"),
            ["lastName"] = t.Get(r, "lastName"), ["lastLogin"] = t.Get(r, "lastLogin"), ["profileId"] = t.Get(r, "profileId"), ["userId"] = t.Get(r, "userId"),
        });

    protected override SimEntitlement EntToNeutral(int type, Ent e) => new("Teams", e.Id, e.Name, new Dictionary<string, string?>
    {
        ["description"] = e.Description, ["lastUpdateTime"] = Names.Iso(e.Updated), ["teamLeadId"] = e.Extra.GetValueOrDefault("teamLeadId"),
        ["isActive"] = e.Active ? "true" : "false",
    });

    protected override (AccountTable, Row) NeutralCreate(string name, bool active)
    {
        if (Agents.FindByUnique(name) is not null) throw new InvalidOperationException("UserName exists: " + name);
        var parts = name.Split('@')[0].Split('.', ' ');
        var r = Agents.AddNew(new Dictionary<string, string?>
        {
            ["userName"] = name, ["emailAddress"] = name.Contains('@') ? name : name + "@contact.example.com", ["firstName"] = parts[0],
            ["lastName"] = parts.Length > 1 ? parts[^1] : "", ["middleName"] = "", ["createDate"] = Now, ["lastUpdated"] = Now, ["profileId"] = "2",
            ["userId"] = Ids.Uuid(Seed, UserSalt, Agents.NextOrdinal), ["timeZone"] = "(GMT-07:00) Arizona",
        }, active);
        MoveToTeam(r, DefaultTeam);
        return (Agents, r);
    }

    protected override void NeutralRename(AccountTable t, Row r, string name) => t.Set(r, "userName", name);

    protected override Ent NeutralCreateEnt(int type, string name) => NewTeam(name, null);

    protected override bool NeutralAddMembership(int type, AccountTable t, Row r, Ent e)
    {
        if (ReferenceEquals(TeamOf(r), e)) return false;
        MoveToTeam(r, e);
        return true;
    }

    /// <summary>An agent always has a team: removing moves it to the default team.</summary>
    protected override bool NeutralRemoveMembership(int type, AccountTable t, Row r, Ent e)
    {
        if (!ReferenceEquals(TeamOf(r), e) || ReferenceEquals(e, DefaultTeam)) return false;
        MoveToTeam(r, DefaultTeam);
        return true;
    }
}
