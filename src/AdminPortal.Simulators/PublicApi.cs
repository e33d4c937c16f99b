namespace AdminPortal.Simulators;

/// <summary>The five target systems that can be simulated.</summary>
public enum SimulatedSystem { SapBtp, Confluent, InContact, SignalSciences, Bynder }

/// <summary>Settings of one simulator. Size settings apply at seeding (start and <see cref="ISimulatorState.Reset"/>);
/// <see cref="TokenLifetime"/> and <see cref="RateLimits"/> may be changed while it runs.</summary>
public sealed class SimulatorOptions
{
    /// <summary>Seed of the deterministic generator: same seed and sizes give the same store.</summary>
    public int Seed { get; set; } = 1;
    /// <summary>Number of accounts seeded (10 to 1,000,000). Confluent splits them 3:1 into users and service accounts.</summary>
    public int Accounts { get; set; } = 50;
    /// <summary>Number of entitlements seeded per entitlement type (Confluent: environments; it always has one organization).</summary>
    public int EntitlementsPerType { get; set; } = 10;
    /// <summary>Average number of seeded memberships per account (inContact: always exactly one team).</summary>
    public double LinksPerAccount { get; set; } = 2;
    /// <summary>Lifetime of access tokens issued by token endpoints (SAP BTP, inContact, Signal Sciences login, Bynder OAuth).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);
    /// <summary>Lifetime of inContact refresh tokens.</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(1);
    /// <summary>Turns the per-system rate limit of TARGET-APIS.md §7 on.</summary>
    public bool RateLimits { get; set; }
    /// <summary>Overrides the per-system request budget per window when rate limits are on.</summary>
    public int? RateLimitRequests { get; set; }
    /// <summary>Overrides the per-system rate-limit window when rate limits are on.</summary>
    public TimeSpan? RateLimitWindow { get; set; }
    /// <summary>Retry-After seconds sent with 429 (systems that send it).</summary>
    public int RetryAfterSeconds { get; set; } = 1;
    /// <summary>Overrides the documented default page size (Confluent 10, SAP 100, Bynder groups 20).</summary>
    public int? DefaultPageSize { get; set; }
    /// <summary>Maximum number of recorded requests kept (oldest dropped first).</summary>
    public int MaxRecordedRequests { get; set; } = 10_000;
    /// <summary>Bodies longer than this are recorded truncated.</summary>
    public int MaxRecordedBodyChars { get; set; } = 16_384;
    /// <summary>Strict mode rejects the deviations of the Saviynt packages that lenient mode (default) tolerates.</summary>
    public bool Strict { get; set; }
    /// <summary>Bynder: answer 401 as text/plain instead of JSON {message}.</summary>
    public bool BynderPlainText401 { get; set; }
    /// <summary>inContact: also put the team's agents at the top level of GET /teams/{id} (compat.topLevelAgents);
    /// the real payload nests them at teams[0].agents only.</summary>
    public bool InContactTopLevelAgents { get; set; }
    /// <summary>Bynder: status answered by POST /api/v4/users/{id} (modify). The API documents 202; the Saviynt package
    /// only accepts 200/201.</summary>
    public int BynderModifyStatus { get; set; } = 202;
    /// <summary>Signal Sciences corp name served under /api/v0/corps/{corp}.</summary>
    public string CorpName { get; set; } = "examplecorp";

    internal SimulatorOptions Clone() => (SimulatorOptions)MemberwiseClone();
}

/// <summary>What a connection must be configured with, as name → value
/// (e.g. client_id/client_secret, api_key/api_secret, api_user/api_token, token, Authorization).</summary>
public sealed class SimulatorCredentials
{
    private readonly Dictionary<string, string> _values;
    internal SimulatorCredentials(Dictionary<string, string> values) => _values = values;
    public IReadOnlyDictionary<string, string> Values => _values;
    public string this[string name] => _values[name];
    public bool TryGet(string name, out string value) => _values.TryGetValue(name, out value!);
    public override string ToString() => string.Join(", ", _values.Select(kv => $"{kv.Key}={kv.Value}"));
}

/// <summary>One request received by a simulator and the status it was answered with.</summary>
public sealed record RecordedRequest(
    long Sequence,
    DateTimeOffset Timestamp,
    string Method,
    string PathAndQuery,
    IReadOnlyDictionary<string, string> Headers,
    string Body,
    int Status)
{
    public string Path => PathAndQuery.Split('?')[0];
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

/// <summary>An account in the system-neutral view.</summary>
/// <param name="Id">The account id exactly as the real API returns it (SAP UUID, Confluent u-/sa-, inContact agentId,
/// Signal Sciences email, Bynder 8-4-4-16 id).</param>
/// <param name="Name">The name the Saviynt package maps to "name".</param>
/// <param name="Active">Active per the package's status rule.</param>
/// <param name="Attributes">Other fields the package imports, keyed by API field name.</param>
public sealed record SimAccount(string Id, string Name, bool Active, IReadOnlyDictionary<string, string?> Attributes);

/// <summary>An entitlement in the system-neutral view (Id = what the package maps to entitlementID, Value = entitlement_value).</summary>
public sealed record SimEntitlement(string Type, string Id, string Value, IReadOnlyDictionary<string, string?> Attributes);

/// <summary>An account → entitlement membership (Role: site role / Confluent role name / null).</summary>
public sealed record SimMembership(string Type, string AccountId, string EntitlementId, string? Role = null);

/// <summary>Read and mutate a simulator's store in a system-neutral shape.</summary>
public interface ISimulatorState
{
    SimulatedSystem System { get; }
    /// <summary>Entitlement types as named in the package's ImportAccountEntJSON.</summary>
    IReadOnlyList<string> EntitlementTypes { get; }
    int AccountCount { get; }
    /// <summary>All accounts in the API's listing order (includes inactive ones).</summary>
    IReadOnlyList<SimAccount> GetAccounts();
    /// <summary>Streams the accounts (listing order) without materialising them all — use for big stores.</summary>
    IEnumerable<SimAccount> EnumerateAccounts();
    /// <summary>Streams the memberships of one entitlement type.</summary>
    IEnumerable<SimMembership> EnumerateMemberships(string type);
    SimAccount? GetAccount(string id);
    IReadOnlyList<SimEntitlement> GetEntitlements(string type);
    IReadOnlyList<SimMembership> GetMemberships(string type);
    IReadOnlyList<SimMembership> GetMembershipsOf(string accountId);

    SimAccount AddAccount(string name, bool active = true);
    bool RemoveAccount(string id);
    bool RenameAccount(string id, string newName);
    bool SetAccountActive(string id, bool active);
    SimEntitlement AddEntitlement(string type, string name);
    bool RemoveEntitlement(string type, string id);
    bool RenameEntitlement(string type, string id, string newName);
    bool AddMembership(string type, string accountId, string entitlementId);
    bool RemoveMembership(string type, string accountId, string entitlementId);
    bool MoveMembership(string type, string accountId, string fromEntitlementId, string toEntitlementId);
    /// <summary>Reseeds the store from the options (seed, sizes); keeps faults and tokens.</summary>
    void Reset();
}
