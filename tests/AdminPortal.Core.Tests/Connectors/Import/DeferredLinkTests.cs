using AdminPortal.Core.Connectors.Import;

namespace AdminPortal.Core.Tests.Connectors.Import;

/// <summary>
/// A sink that implements <see cref="IDeferredLinkSink"/> gets every membership with its raw keys and resolves them
/// itself; the engine then keeps no account index. Whatever the link mode, the result must be the in-memory path's:
/// same links, same LinkCount, same warnings (the repeated-account warnings come after the others).
/// </summary>
public class DeferredLinkTests
{
    private const string Accounts = LinkModeTests.Accounts;
    private const string Groups = LinkModeTests.Groups;
    private const string RolesByValue = "}}},\"acctEntMappings\":{\"Group\":{\"listPath\":\"roles\",\"idPath\":\"\",\"keyField\":\"entitlement_value\"}}}";

    public static TheoryData<string, string> Imports => new()
    {
        { "acctToEntMapping, entitlement_value keys", "{" + Accounts.Replace("}}}}", RolesByValue, StringComparison.Ordinal) + "," + Groups + ",\"acctEntParams\":{\"processingType\":\"acctToEntMapping\"}}" },
        { "acctToEntMapping, entitlementID", "{" + Accounts.Replace("}}}}", "}}},\"acctEntMappings\":{\"Group\":{\"listPath\":\"\",\"idPath\":\"grp.id\",\"keyField\":\"entitlementID\"}}}", StringComparison.Ordinal) + "," + Groups + ",\"acctEntParams\":{\"processingType\":\"acctToEntMapping\"}}" },
        { "acctToEntMapping, importAsEntitlement", "{" + Accounts.Replace("}}}}", "}}},\"acctEntMappings\":{\"Role\":{\"listPath\":\"roles\",\"idPath\":\"\",\"keyField\":\"entitlementID\",\"importAsEntitlement\":true}}}", StringComparison.Ordinal) + ",\"acctEntParams\":{\"processingType\":\"acctToEntMapping\"}}" },
        { "entToAcctMapping, accountID", "{" + Accounts + "," + Groups.Replace("\"call\":{", "\"acctEntMappings\":{\"listField\":\"members\",\"idPath\":\"value\",\"keyField\":\"accountID\"},\"call\":{", StringComparison.Ordinal) + ",\"acctEntParams\":{\"processingType\":\"entToAcctMapping\"}}" },
        { "entToAcctMapping, name", "{" + Accounts + "," + Groups.Replace("\"call\":{", "\"acctEntMappings\":{\"listField\":\"members\",\"idPath\":\"\",\"keyField\":\"name\"},\"call\":{", StringComparison.Ordinal) + ",\"acctEntParams\":{\"processingType\":\"entToAcctMapping\"}}" },
        { "httpEntToAcct", "{" + Accounts + "," + Groups + """
            ,"acctEntParams":{"entTypes":{"Group":{"call":{"call1":{"processingType":"httpEntToAcct","http":{"url":"BASE/groups/${id}/members","httpMethod":"GET"},
              "listField":"members","acctIdPath":"user.id","acctKeyField":"accountID","entKeyField":"entitlementID"}}}}}}
            """ },
        { "httpAcctToEnt, name and entitlement_value", "{" + Accounts + "," + Groups + """
            ,"acctEntParams":{"processingType":"httpAcctToEnt","entTypes":{"Group":{"call":{"call1":{"http":{"url":"BASE/users/${id}/groups","httpMethod":"GET"},
              "listField":"","entIdPath":"name","acctKeyField":"name","entKeyField":"entitlement_value"}}}}}}
            """ },
        { "http, with an unknown account", "{" + Accounts + "," + Groups + """
            ,"acctEntParams":{"entTypes":{"Group":{"call":{"call1":{"processingType":"http","http":{"url":"BASE/memberships","httpMethod":"GET"},
              "listField":"rows","acctIdPath":"u","entIdPath":"g","acctKeyField":"accountID","entKeyField":"entitlementID"}}}}}}
            """ },
        { "repeated account, names used twice", "{" + Accounts.Replace("BASE/users", "BASE/dupusers", StringComparison.Ordinal).Replace("}}}}", RolesByValue, StringComparison.Ordinal) + ","
            + Groups.Replace("\"call\":{", "\"acctEntMappings\":{\"listField\":\"members\",\"idPath\":\"\",\"keyField\":\"name\"},\"call\":{", StringComparison.Ordinal)
            + ",\"acctEntParams\":{\"processingType\":\"acctToEntMapping\"}}" },
    };

    [Theory]
    [MemberData(nameof(Imports))]
    public async Task Deferred_resolution_gives_the_in_memory_result(string variant, string import)
    {
        var (srv1, memory, expected) = await LinkModeTests.Run(import, new CollectingSink());
        await using var _ = srv1;
        var (srv2, deferred, actual) = await LinkModeTests.Run(import, new DeferredCollectingSink());
        await using var __ = srv2;

        Assert.True(expected.IsComplete, variant + ": " + expected.Failure);
        Assert.True(actual.IsComplete, variant + ": " + actual.Failure);
        Assert.True(deferred.Resolved, variant);
        Assert.Empty(deferred.DirectLinks);
        Assert.Equal(memory.LinkSet, deferred.LinkSet);
        Assert.Equal(expected.LinkCount, actual.LinkCount);
        Assert.Equal(expected.AccountCount, actual.AccountCount);
        Assert.Equal(memory.Accounts.Select(a => a.AccountId + "|" + a.Name + "|" + a.Hash), deferred.KeptAccounts.Select(a => a.AccountId + "|" + a.Name + "|" + a.Hash));
        Assert.Equal(expected.Warnings.Order(StringComparer.Ordinal), actual.Warnings.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_repeated_account_case_really_repeats_and_leaves_links_unresolved()
    {
        var (srv, sink, r) = await LinkModeTests.Run(Imports.Single(i => (string)i[0] == "repeated account, names used twice")[1].ToString()!, new DeferredCollectingSink());
        await using var _ = srv;
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(3, r.AccountCount);
        Assert.Contains("account '1' returned twice; later copy ignored", r.Warnings);
        // ann: Admins (and Viewers from the later copy); cy (3): Viewers, and "cy" on g2 means the first cy; 4: Admins
        Assert.Equal(new HashSet<string> { "1|Group|g1", "1|Group|g2", "3|Group|g2", "4|Group|g1" }, sink.LinkSet);
    }

    [Fact]
    public async Task Without_httpAcctToEnt_the_engine_leaves_repeated_accounts_to_the_sink()
    {
        var import = "{" + Accounts.Replace("BASE/users", "BASE/dupusers", StringComparison.Ordinal) + "}";
        var (srv, sink, r) = await LinkModeTests.Run(import, new DeferredCollectingSink());
        await using var _ = srv;
        Assert.True(r.IsComplete, r.Failure?.ToString());
        Assert.Equal(4, sink.Accounts.Count); // streamed as read
        Assert.Equal(3, r.AccountCount);
        Assert.Equal(["1", "3", "4"], sink.KeptAccounts.Select(a => a.AccountId));
    }

    [Fact]
    public async Task Accounts_merged_from_two_calls_through_the_sinks_record_buffer_equal_the_in_memory_merge()
    {
        var import = "{" + Accounts.Replace("}}}}", "}},\"call2\":{\"callOrder\":1,\"http\":{\"url\":\"BASE/svc\",\"httpMethod\":\"GET\"},\"listField\":\"users\",\"keyField\":\"accountID\"," +
                     "\"colsToPropsMap\":{\"accountID\":\"id~#~char\",\"name\":\"login~#~char\",\"customproperty1\":\"mail~#~char\"}}}" + RolesByValue[3..], StringComparison.Ordinal)
                     + "," + Groups + ",\"acctEntParams\":{\"processingType\":\"acctToEntMapping\"}}";
        var (srv1, memory, expected) = await LinkModeTests.Run(import, new CollectingSink());
        await using var _ = srv1;
        var (srv2, stored, actual) = await LinkModeTests.Run(import, new DeferredCollectingSink());
        await using var __ = srv2;

        Assert.True(expected.IsComplete, expected.Failure?.ToString());
        Assert.True(actual.IsComplete, actual.Failure?.ToString());
        Assert.True(stored.BufferUsed);
        Assert.Equal(["1", "2", "3", "9"], memory.Accounts.Select(a => a.AccountId));
        Assert.Equal("bob", memory.Accounts[1].Name);
        Assert.Equal("bob@x", memory.Accounts[1].Attributes["CUSTOMPROPERTY1"]);
        Assert.Equal(memory.Accounts.Select(a => (a.AccountId, a.Name, a.Status, a.Hash)), stored.Accounts.Select(a => (a.AccountId, a.Name, a.Status, a.Hash)));
        Assert.Equal(memory.LinkSet, stored.LinkSet);
        Assert.Equal(expected.Warnings, actual.Warnings);
    }

    /// <summary>
    /// A reference implementation of <see cref="IDeferredLinkSink"/> in memory, written from the interface's contract
    /// (not from the engine): accounts by id or the first name, entitlements by id or the first value, first copy kept.
    /// </summary>
    private sealed class DeferredCollectingSink : IImportSink, IDeferredLinkSink, IAccountRecordStore
    {
        private readonly List<(string Id, string Json)> buffer = [];

        public bool BufferUsed { get; private set; }

        public IAccountRecordBuffer OpenAccountBuffer()
        {
            BufferUsed = true;
            return new Buffer(buffer);
        }

        /// <summary>Keeps serialized copies, as a store outside memory would: nothing is shared with the engine's maps.</summary>
        private sealed class Buffer(List<(string Id, string Json)> rows) : IAccountRecordBuffer
        {
            public Dictionary<string, string?>? Find(string accountId) => rows.FindIndex(r => r.Id == accountId) is var i and >= 0 ? Read(rows[i].Json) : null;

            public void Store(string accountId, IReadOnlyDictionary<string, string?> columns)
            {
                var json = System.Text.Json.JsonSerializer.Serialize(columns);
                var i = rows.FindIndex(r => r.Id == accountId);
                if (i >= 0) rows[i] = (accountId, json);
                else rows.Add((accountId, json));
            }

            public IEnumerable<(string AccountId, Dictionary<string, string?> Columns)> ReadAll() => rows.Select(r => (r.Id, Read(r.Json)));

            public void Dispose()
            {
            }

            private static Dictionary<string, string?> Read(string json) =>
                new(System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string?>>(json)!, StringComparer.OrdinalIgnoreCase);
        }

        private readonly List<(string Account, bool ByName, string Type, string Ent, bool ByValue)> raw = [];
        private readonly List<ImportedLink> links = [];

        public List<ImportedAccount> Accounts { get; } = [];
        public List<ImportedEntitlement> Entitlements { get; } = [];
        public List<ImportedLink> DirectLinks { get; } = [];
        public List<ImportedAccount> KeptAccounts { get; } = [];
        public bool Resolved { get; private set; }

        public HashSet<string> LinkSet => links.Select(l => $"{l.AccountId}|{l.EntitlementType}|{l.EntitlementId}").ToHashSet();

        public ValueTask OnAccountAsync(ImportedAccount account, CancellationToken ct) { Accounts.Add(account); return ValueTask.CompletedTask; }

        public ValueTask OnEntitlementTypeAsync(ImportedEntitlementType type, CancellationToken ct) => ValueTask.CompletedTask;

        public ValueTask OnEntitlementAsync(ImportedEntitlement entitlement, CancellationToken ct) { Entitlements.Add(entitlement); return ValueTask.CompletedTask; }

        public ValueTask OnLinkAsync(ImportedLink link, CancellationToken ct) { DirectLinks.Add(link); return ValueTask.CompletedTask; }

        public ValueTask OnProgressAsync(ImportProgress progress, CancellationToken ct) => ValueTask.CompletedTask;

        public ValueTask OnUnresolvedLinkAsync(string accountKey, bool accountKeyIsName, string entitlementType, string entitlementKey, bool entitlementKeyIsValue, CancellationToken ct)
        {
            raw.Add((accountKey, accountKeyIsName, entitlementType, entitlementKey, entitlementKeyIsValue));
            return ValueTask.CompletedTask;
        }

        public ValueTask<DeferredLinkResolution> ResolveDeferredLinksAsync(CancellationToken ct)
        {
            Resolved = true;
            var ids = new HashSet<string>(StringComparer.Ordinal);
            var names = new Dictionary<string, string>(StringComparer.Ordinal);
            var duplicates = new List<string>();
            foreach (var a in Accounts)
            {
                if (!ids.Add(a.AccountId)) { duplicates.Add(a.AccountId); continue; }
                KeptAccounts.Add(a);
                names.TryAdd(a.Name ?? a.AccountId, a.AccountId);
            }

            long unresolved = 0;
            var seen = new HashSet<(string, string, string)>();
            foreach (var (account, byName, type, ent, byValue) in raw)
            {
                var accountId = byName ? names.GetValueOrDefault(account) : ids.Contains(account) ? account : null;
                var entId = Entitlements.FirstOrDefault(e => e.EntitlementType == type && (byValue ? e.Value == ent : e.EntitlementId == ent))?.EntitlementId;
                if (accountId is null || entId is null) { unresolved++; continue; }
                if (seen.Add((accountId, type, entId))) links.Add(new ImportedLink(accountId, type, entId));
            }

            return ValueTask.FromResult(new DeferredLinkResolution(links.Count, unresolved, duplicates.Count, duplicates));
        }
    }
}
