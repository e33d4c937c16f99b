using System.Text.Json;
using AdminPortal.Core.Connectors.Import;
using AdminPortal.Data;

namespace AdminPortal.Web.Features.Imports;

/// <summary>
/// Keeps what an import read until the read is proven complete; nothing reaches the portal's tables before.
/// Accounts and memberships — the bulk of a large target — stream into the run's staging file (<see cref="SqliteImportStaging"/>)
/// so memory stays flat: the sink resolves memberships itself there (<see cref="IDeferredLinkSink"/>), so the engine keeps
/// no per-account or per-membership state. Entitlement types and values, a few thousand at most, also stay in memory for
/// the EF apply (the values are staged too, for the link joins).
/// </summary>
public sealed class StagingSink(SqliteImportStaging staging, Func<ImportProgress, long, ValueTask> onProgress) : IImportSink, IDeferredLinkSink, IAccountRecordStore
{
    public List<ImportedEntitlementType> Types { get; } = [];
    public Dictionary<(string Type, string Id), ImportedEntitlement> Entitlements { get; } = [];

    public long AccountCount => staging.Accounts;
    public long LinkCount => staging.Links;
    public long Records => staging.Accounts + Entitlements.Count + staging.Links;

    public ValueTask OnAccountAsync(ImportedAccount account, CancellationToken ct)
    {
        staging.AddAccount(ColumnMapper.ToStaged(account));
        return ValueTask.CompletedTask;
    }

    public ValueTask OnEntitlementTypeAsync(ImportedEntitlementType type, CancellationToken ct)
    {
        Types.RemoveAll(t => t.Name == type.Name);
        Types.Add(type);
        return ValueTask.CompletedTask;
    }

    public ValueTask OnEntitlementAsync(ImportedEntitlement entitlement, CancellationToken ct)
    {
        Entitlements[(entitlement.EntitlementType, entitlement.EntitlementId)] = entitlement;
        staging.AddEntitlement(entitlement.EntitlementType, entitlement.EntitlementId, entitlement.Value ?? entitlement.EntitlementId);
        return ValueTask.CompletedTask;
    }

    /// <summary>Not called by the engine for this sink (it defers links); a resolved link is staged by its ids all the same.</summary>
    public ValueTask OnLinkAsync(ImportedLink link, CancellationToken ct)
    {
        staging.AddLink(link.AccountId, false, link.EntitlementType, link.EntitlementId, false);
        return ValueTask.CompletedTask;
    }

    public ValueTask OnUnresolvedLinkAsync(string accountKey, bool accountKeyIsName, string entitlementType, string entitlementKey, bool entitlementKeyIsValue, CancellationToken ct)
    {
        staging.AddLink(accountKey, accountKeyIsName, entitlementType, entitlementKey, entitlementKeyIsValue);
        return ValueTask.CompletedTask;
    }

    public ValueTask<DeferredLinkResolution> ResolveDeferredLinksAsync(CancellationToken ct)
    {
        var r = staging.ResolveLinks();
        return ValueTask.FromResult(new DeferredLinkResolution(r.Linked, r.Unresolved, r.DroppedDuplicateAccounts, r.DuplicateAccountIds));
    }

    public ValueTask OnProgressAsync(ImportProgress progress, CancellationToken ct) => onProgress(progress, Records);

    /// <summary>Accounts merged from several calls wait in the staging file (as JSON), not in memory.</summary>
    public IAccountRecordBuffer OpenAccountBuffer() => new StagedRecordBuffer(staging);

    private sealed class StagedRecordBuffer(SqliteImportStaging staging) : IAccountRecordBuffer
    {
        public Dictionary<string, string?>? Find(string accountId) => staging.BufferFind(accountId) is { } json ? Columns(json) : null;

        public void Store(string accountId, IReadOnlyDictionary<string, string?> columns) => staging.BufferStore(accountId, JsonSerializer.Serialize(columns));

        public IEnumerable<(string AccountId, Dictionary<string, string?> Columns)> ReadAll() => staging.BufferReadAll().Select(r => (r.Id, Columns(r.Value)));

        public void Dispose()
        {
            // the table goes with the staging file
        }

        private static Dictionary<string, string?> Columns(string json) =>
            new(JsonSerializer.Deserialize<Dictionary<string, string?>>(json)!, StringComparer.OrdinalIgnoreCase);
    }
}
