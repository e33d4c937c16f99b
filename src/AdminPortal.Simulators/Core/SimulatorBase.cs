using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AdminPortal.Simulators.Core;

/// <summary>Shared machinery of the five simulators: store, neutral state view, auth hook, error shapes.</summary>
internal abstract class SimulatorBase : ISimulatorState
{
    public readonly object Sync = new();
    public SimulatorOptions Options { get; }
    public TokenStore Tokens { get; } = new();
    public FaultInjector Faults { get; } = new();
    public RequestLog Log { get; }
    public RateLimiter Rate { get; } = new();
    public Uri BaseUrl { get; set; } = new("http://127.0.0.1/");
    protected readonly Dictionary<string, string> Creds = new();

    protected AccountTable[] AccountTables = Array.Empty<AccountTable>();
    protected EntTable[] EntTables = Array.Empty<EntTable>();
    protected int Seed => Options.Seed;

    protected SimulatorBase(SimulatorOptions options)
    {
        Options = options;
        Log = new RequestLog(() => Options.MaxRecordedRequests);
    }

    public abstract SimulatedSystem System { get; }
    public abstract IReadOnlyList<string> EntitlementTypes { get; }
    /// <summary>Path prefix of the API below the base URL (e.g. /inContactAPI/services/v34.0).</summary>
    public virtual string ApiPrefix => "";
    public string Root => BaseUrl.ToString().TrimEnd('/');

    /// <summary>Builds the store from the options.</summary>
    protected abstract void SeedStore();
    public abstract void MapRoutes(IEndpointRouteBuilder app);
    /// <summary>Requests that need no credentials (token endpoints, discovery).</summary>
    public abstract bool IsPublic(PathString path);
    /// <summary>Returns true when authenticated; otherwise writes the system's 401 and returns false.</summary>
    public abstract Task<bool> Authenticate(HttpContext ctx);
    /// <summary>Writes the system's error shape. bodyStatus is the status to describe in the body (differs for 200-with-error).</summary>
    public abstract Task WriteError(HttpContext ctx, int status, string message, int? bodyStatus = null);
    /// <summary>Issues the static credentials (keys, permanent tokens); called at start and on ExpireTokens.</summary>
    protected abstract void IssueStaticCredentials(bool rotate);

    public virtual (int Limit, TimeSpan Window, bool RetryAfter, bool IdleBlock) RateLimitDefaults => (600, TimeSpan.FromMinutes(1), true, false);
    public virtual void AddRateHeaders(HttpContext ctx, int limit, int remaining, int reset) { }

    public virtual Task WriteRateLimited(HttpContext ctx, int retryAfter, bool sendRetryAfter)
    {
        if (sendRetryAfter) ctx.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        return WriteError(ctx, 429, "Too many requests");
    }

    public void Initialize()
    {
        lock (Sync)
        {
            IssueStaticCredentials(rotate: false);
            SeedStore();
        }
    }

    public SimulatorCredentials Credentials
    {
        get
        {
            lock (Sync)
                return new SimulatorCredentials(Creds.ToDictionary(kv => kv.Key, kv => kv.Value.Replace("{BaseUrl}", BaseUrl.ToString(), StringComparison.Ordinal)));
        }
    }

    public void ExpireTokens()
    {
        Tokens.ExpireAll();
        lock (Sync) IssueStaticCredentials(rotate: true);
    }

    /// <summary>A secret derived from the seed and purpose: stable across restarts with the same seed
    /// (a demo connection keeps working); rotated secrets are random.</summary>
    protected string Secret(string purpose, int length, bool random = false)
    {
        if (random) return TokenStore.Random(length).Replace("-", "x", StringComparison.Ordinal).Replace("_", "y", StringComparison.Ordinal)[..length];
        ulong salt = 14695981039346656037UL;
        foreach (var c in purpose) salt = (salt ^ c) * 1099511628211UL;
        var sb = new System.Text.StringBuilder();
        for (var i = 0; sb.Length < length; i++) sb.Append(Ids.Hash(Seed, i, (int)salt).ToString("x16", CultureInfo.InvariantCulture));
        return sb.ToString(0, length);
    }

    // ---------- derived seeding helpers ----------

    /// <summary>k distinct entitlement ordinals for an account, k ≈ LinksPerAccount.</summary>
    protected int[] DefaultLinks(int ordinal, int type, int entCount, int salt, Func<ulong, int>? role = null, double? perAccount = null)
    {
        if (entCount <= 0) return Array.Empty<int>();
        var p = perAccount ?? Options.LinksPerAccount;
        var h = Ids.Hash(Seed, ordinal, salt);
        var k = (int)Math.Floor(p);
        if ((h >> 40) % 1000 < (ulong)((p - k) * 1000)) k++;
        k = Math.Min(k, entCount);
        if (k == 0) return Array.Empty<int>();
        var start = (int)(h % (ulong)entCount);
        var result = new int[k];
        for (int i = 0; i < k; i++)
            result[i] = Link.Pack(type, (start + i) % entCount, role?.Invoke(Ids.Hash(Seed, ordinal, salt + i + 1)) ?? 0);
        return result;
    }

    protected int Percent(int ordinal, int salt) => (int)(Ids.Hash(Seed, ordinal, salt) % 100);

    // ---------- memberships ----------

    protected IEnumerable<(int Type, Ent Ent, int Role)> LiveLinks(AccountTable t, Row r)
    {
        foreach (var l in t.LinksOf(r))
        {
            var e = EntTables[Link.Type(l)].ByOrdinal(Link.Ent(l));
            if (e is not null) yield return (Link.Type(l), e, Link.Role(l));
        }
    }

    protected bool HasLink(AccountTable t, Row r, int type, Ent e) => LiveLinks(t, r).Any(x => x.Type == type && ReferenceEquals(x.Ent, e));

    protected bool AddLink(AccountTable t, Row r, int type, Ent e, int role = 0)
    {
        if (HasLink(t, r, type, e)) return false;
        var links = LiveLinks(t, r).Select(x => Link.Pack(x.Type, x.Ent.Ordinal, x.Role)).ToList();
        links.Add(Link.Pack(type, e.Ordinal, role));
        r.Links = links.ToArray();
        r.Version++;
        return true;
    }

    protected bool RemoveLink(AccountTable t, Row r, int type, Ent e, int? role = null)
    {
        var before = LiveLinks(t, r).ToList();
        var after = before.Where(x => !(x.Type == type && ReferenceEquals(x.Ent, e) && (role is null || x.Role == role))).ToList();
        if (after.Count == before.Count) return false;
        r.Links = after.Select(x => Link.Pack(x.Type, x.Ent.Ordinal, x.Role)).ToArray();
        r.Version++;
        return true;
    }

    protected void SetLinks(Row r, IEnumerable<(int Type, Ent Ent, int Role)> links)
    {
        r.Links = links.Select(x => Link.Pack(x.Type, x.Ent.Ordinal, x.Role)).Distinct().ToArray();
        r.Version++;
    }

    protected (AccountTable Table, Row Row)? FindAccount(string id)
    {
        foreach (var t in AccountTables)
            if (t.Find(id) is { } r) return (t, r);
        return null;
    }

    protected int TypeIndex(string type)
    {
        for (int i = 0; i < EntitlementTypes.Count; i++)
            if (string.Equals(EntitlementTypes[i], type, StringComparison.OrdinalIgnoreCase)) return i;
        throw new ArgumentException($"Unknown entitlement type '{type}'; {System} has: {string.Join(", ", EntitlementTypes)}");
    }

    // ---------- neutral view (ISimulatorState) ----------

    protected abstract SimAccount ToNeutral(AccountTable t, Row r);
    protected virtual SimEntitlement EntToNeutral(int type, Ent e) =>
        new(EntitlementTypes[type], e.Id, e.Name, new Dictionary<string, string?>(e.Extra) { ["description"] = e.Description });
    protected virtual string? RoleName(int type, int role) => null;
    protected abstract (AccountTable, Row) NeutralCreate(string name, bool active);
    protected abstract void NeutralRename(AccountTable t, Row r, string name);
    protected virtual bool NeutralSetActive(AccountTable t, Row r, bool active)
    {
        r.Active = active;
        r.Version++;
        return true;
    }
    protected abstract Ent NeutralCreateEnt(int type, string name);
    protected virtual void NeutralRenameEnt(int type, Ent e, string name)
    {
        e.Name = name;
        e.Updated = DateTime.UtcNow;
    }
    protected virtual bool NeutralAddMembership(int type, AccountTable t, Row r, Ent e) => AddLink(t, r, type, e);
    protected virtual bool NeutralRemoveMembership(int type, AccountTable t, Row r, Ent e) => RemoveLink(t, r, type, e);

    public int AccountCount
    {
        get { lock (Sync) return AccountTables.Sum(t => t.Count); }
    }

    public IReadOnlyList<SimAccount> GetAccounts() => EnumerateAccounts().ToList();

    public IEnumerable<SimAccount> EnumerateAccounts()
    {
        List<(AccountTable Table, Row[] Rows)> snapshot;
        lock (Sync) snapshot = AccountTables.Select(t => (t, t.Live.ToArray())).ToList();
        foreach (var (t, rows) in snapshot)
            foreach (var r in rows)
            {
                SimAccount a;
                lock (Sync) a = ToNeutral(t, r);
                yield return a;
            }
    }

    public IEnumerable<SimMembership> EnumerateMemberships(string type)
    {
        int ti;
        List<(AccountTable Table, Row[] Rows)> snapshot;
        lock (Sync)
        {
            ti = TypeIndex(type);
            snapshot = AccountTables.Select(t => (t, t.Live.ToArray())).ToList();
        }
        var name = EntitlementTypes[ti];
        foreach (var (t, rows) in snapshot)
            foreach (var r in rows)
            {
                List<SimMembership> list;
                lock (Sync)
                    list = LiveLinks(t, r).Where(l => l.Type == ti).Select(l => new SimMembership(name, t.IdOf(r), l.Ent.Id, RoleName(ti, l.Role))).ToList();
                foreach (var m in list) yield return m;
            }
    }

    public SimAccount? GetAccount(string id)
    {
        lock (Sync) return FindAccount(id) is { } a ? ToNeutral(a.Table, a.Row) : null;
    }

    public IReadOnlyList<SimEntitlement> GetEntitlements(string type)
    {
        lock (Sync)
        {
            var i = TypeIndex(type);
            return EntTables[i].Live.Select(e => EntToNeutral(i, e)).ToList();
        }
    }

    public IReadOnlyList<SimMembership> GetMemberships(string type) => EnumerateMemberships(type).ToList();

    public IReadOnlyList<SimMembership> GetMembershipsOf(string accountId)
    {
        lock (Sync)
        {
            if (FindAccount(accountId) is not { } a) return Array.Empty<SimMembership>();
            return LiveLinks(a.Table, a.Row)
                .Select(l => new SimMembership(EntitlementTypes[l.Type], a.Table.IdOf(a.Row), l.Ent.Id, RoleName(l.Type, l.Role)))
                .ToList();
        }
    }

    public SimAccount AddAccount(string name, bool active = true)
    {
        lock (Sync)
        {
            var (t, r) = NeutralCreate(name, active);
            return ToNeutral(t, r);
        }
    }

    public bool RemoveAccount(string id)
    {
        lock (Sync)
        {
            if (FindAccount(id) is not { } a) return false;
            a.Table.Remove(a.Row);
            return true;
        }
    }

    public bool RenameAccount(string id, string newName)
    {
        lock (Sync)
        {
            if (FindAccount(id) is not { } a) return false;
            NeutralRename(a.Table, a.Row, newName);
            a.Row.Version++;
            return true;
        }
    }

    public bool SetAccountActive(string id, bool active)
    {
        lock (Sync) return FindAccount(id) is { } a && NeutralSetActive(a.Table, a.Row, active);
    }

    public SimEntitlement AddEntitlement(string type, string name)
    {
        lock (Sync)
        {
            var i = TypeIndex(type);
            return EntToNeutral(i, NeutralCreateEnt(i, name));
        }
    }

    public bool RemoveEntitlement(string type, string id)
    {
        lock (Sync)
        {
            var i = TypeIndex(type);
            if (EntTables[i].Find(id) is not { } e) return false;
            EntTables[i].Remove(e);
            return true;
        }
    }

    public bool RenameEntitlement(string type, string id, string newName)
    {
        lock (Sync)
        {
            var i = TypeIndex(type);
            if (EntTables[i].Find(id) is not { } e) return false;
            NeutralRenameEnt(i, e, newName);
            return true;
        }
    }

    public bool AddMembership(string type, string accountId, string entitlementId)
    {
        lock (Sync)
        {
            var i = TypeIndex(type);
            return FindAccount(accountId) is { } a && EntTables[i].Find(entitlementId) is { } e && NeutralAddMembership(i, a.Table, a.Row, e);
        }
    }

    public bool RemoveMembership(string type, string accountId, string entitlementId)
    {
        lock (Sync)
        {
            var i = TypeIndex(type);
            return FindAccount(accountId) is { } a && EntTables[i].Find(entitlementId) is { } e && NeutralRemoveMembership(i, a.Table, a.Row, e);
        }
    }

    public bool MoveMembership(string type, string accountId, string fromEntitlementId, string toEntitlementId)
    {
        lock (Sync)
        {
            var i = TypeIndex(type);
            if (FindAccount(accountId) is not { } a || EntTables[i].Find(fromEntitlementId) is not { } from || EntTables[i].Find(toEntitlementId) is not { } to)
                return false;
            if (!HasLink(a.Table, a.Row, i, from)) return false;
            var role = LiveLinks(a.Table, a.Row).First(l => l.Type == i && ReferenceEquals(l.Ent, from)).Role;
            SetLinks(a.Row, LiveLinks(a.Table, a.Row).Where(l => !(l.Type == i && ReferenceEquals(l.Ent, from)))
                .Append((i, to, role)).ToList());
            return true;
        }
    }

    public void Reset()
    {
        lock (Sync)
        {
            foreach (var t in AccountTables) t.Clear();
            foreach (var e in EntTables) e.Clear();
            SeedStore();
        }
        Rate.Reset();
    }

    // ---------- shared JSON helpers ----------

    protected static void Prop(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name); else w.WriteString(name, value);
    }
}
