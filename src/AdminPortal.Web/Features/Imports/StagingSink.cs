using AdminPortal.Core.Connectors.Import;
using AdminPortal.Data;

namespace AdminPortal.Web.Features.Imports;

/// <summary>
/// Keeps what an import read until the read is proven complete; nothing reaches the portal's tables before.
/// Accounts and links — the bulk of a large target — stream into the run's staging file (<see cref="SqliteImportStaging"/>)
/// so memory stays flat; entitlement types and values, a few thousand at most, stay in memory for the EF apply.
/// </summary>
public sealed class StagingSink(SqliteImportStaging staging, Func<ImportProgress, long, ValueTask> onProgress) : IImportSink
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
        return ValueTask.CompletedTask;
    }

    public ValueTask OnLinkAsync(ImportedLink link, CancellationToken ct)
    {
        // The engine emits each resolved link once; the staging file's unique index proves it before the apply.
        staging.AddLink(link.AccountId, link.EntitlementType, link.EntitlementId);
        return ValueTask.CompletedTask;
    }

    public ValueTask OnProgressAsync(ImportProgress progress, CancellationToken ct) => onProgress(progress, Records);
}
