using AdminPortal.Core.Connectors.Import;

namespace AdminPortal.Web.Features.Imports;

/// <summary>
/// Keeps what an import read until the read is proven complete; nothing reaches the database before.
/// </summary>
public sealed class StagingSink(Func<ImportProgress, long, ValueTask> onProgress) : IImportSink
{
    public Dictionary<string, ImportedAccount> Accounts { get; } = new(StringComparer.Ordinal);
    public List<ImportedEntitlementType> Types { get; } = [];
    public Dictionary<(string Type, string Id), ImportedEntitlement> Entitlements { get; } = [];
    public HashSet<LinkKey> Links { get; } = [];

    public long Records => Accounts.Count + Entitlements.Count + Links.Count;

    public ValueTask OnAccountAsync(ImportedAccount account, CancellationToken ct)
    {
        Accounts[account.AccountId] = account;
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
        return ValueTask.CompletedTask;
    }

    public ValueTask OnLinkAsync(ImportedLink link, CancellationToken ct)
    {
        Links.Add(new LinkKey(link.AccountId, link.EntitlementType, link.EntitlementId));
        return ValueTask.CompletedTask;
    }

    public ValueTask OnProgressAsync(ImportProgress progress, CancellationToken ct) => onProgress(progress, Records);

    public ImportedSnapshot Snapshot(bool complete) => new()
    {
        IsComplete = complete,
        AccountHashes = Accounts.ToDictionary(a => a.Key, a => a.Value.Hash, StringComparer.Ordinal),
        EntitlementHashes = Entitlements.ToDictionary(e => new EntitlementKey(e.Key.Type, e.Key.Id), e => e.Value.Hash),
        Links = Links,
    };
}
