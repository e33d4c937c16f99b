using AdminPortal.Core.Connectors.Import;
using AdminPortal.Data;

namespace AdminPortal.Web.Features.Imports;

/// <summary>
/// Keeps what an import read until the read is proven complete; nothing reaches the portal's tables before.
/// Accounts and memberships — the bulk of a large target — stream into the run's staging file (<see cref="SqliteImportStaging"/>)
/// so memory stays flat: the sink resolves memberships itself there (<see cref="IDeferredLinkSink"/>), so the engine keeps
/// no per-account or per-membership state. Entitlement types and values, a few thousand at most, also stay in memory for
/// the EF apply (the values are staged too, for the link joins).
/// <para>
/// The staging inserts run on a writer thread of their own (<see cref="StagingPipeline"/>, ADR-020) while the engine reads
/// on. Call <see cref="DrainAsync"/> before reading the staging file's counts; the sink drains itself before resolving
/// links. The account buffer the engine asks for when it merges several account calls is a file of its own
/// (<see cref="SqliteAccountBuffer"/>, used on the engine's thread), so the writer thread keeps the staging file then too.
/// </para>
/// </summary>
public sealed class StagingSink(SqliteImportStaging staging, Func<ImportProgress, long, ValueTask> onProgress, bool pipelined = true)
    : IImportSink, IDeferredLinkSink, IAccountRecordStore, IDisposable
{
    private readonly StagingPipeline? pipeline = pipelined ? new StagingPipeline(staging) : null;
    private SqliteAccountBuffer? buffer;
    private long accountsHandedOver;
    private long linksHandedOver;

    public List<ImportedEntitlementType> Types { get; } = [];
    public Dictionary<(string Type, string Id), ImportedEntitlement> Entitlements { get; } = [];

    /// <summary>Accounts in the staging file (after <see cref="DrainAsync"/>: all that were read).</summary>
    public long AccountCount => staging.Accounts;

    /// <summary>Memberships in the staging file; after the links were resolved, the distinct resolved links.</summary>
    public long LinkCount => staging.Links;

    /// <summary>Records handed over so far (progress; some may still be on their way to the staging file).</summary>
    public long Records => accountsHandedOver + Entitlements.Count + linksHandedOver;

    /// <summary>Returns when every record handed over is in the staging file.</summary>
    public ValueTask DrainAsync(CancellationToken ct = default) => pipeline?.DrainAsync(ct) ?? ValueTask.CompletedTask;

    public ValueTask OnAccountAsync(ImportedAccount account, CancellationToken ct)
    {
        var staged = ColumnMapper.ToStaged(account);
        accountsHandedOver++;
        if (pipeline is not null) return pipeline.AddAccountAsync(staged, ct);
        staging.AddAccount(staged);
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
        var value = entitlement.Value ?? entitlement.EntitlementId;
        if (pipeline is not null) return pipeline.AddEntitlementAsync(entitlement.EntitlementType, entitlement.EntitlementId, value, ct);
        staging.AddEntitlement(entitlement.EntitlementType, entitlement.EntitlementId, value);
        return ValueTask.CompletedTask;
    }

    /// <summary>Not called by the engine for this sink (it defers links); a resolved link is staged by its ids all the same.</summary>
    public ValueTask OnLinkAsync(ImportedLink link, CancellationToken ct) =>
        OnUnresolvedLinkAsync(link.AccountId, false, link.EntitlementType, link.EntitlementId, false, ct);

    public ValueTask OnUnresolvedLinkAsync(string accountKey, bool accountKeyIsName, string entitlementType, string entitlementKey, bool entitlementKeyIsValue, CancellationToken ct)
    {
        linksHandedOver++;
        if (pipeline is not null) return pipeline.AddLinkAsync(accountKey, accountKeyIsName, entitlementType, entitlementKey, entitlementKeyIsValue, ct);
        staging.AddLink(accountKey, accountKeyIsName, entitlementType, entitlementKey, entitlementKeyIsValue);
        return ValueTask.CompletedTask;
    }

    public async ValueTask<DeferredLinkResolution> ResolveDeferredLinksAsync(CancellationToken ct)
    {
        await DrainAsync(ct);
        var r = staging.ResolveLinks();
        return new DeferredLinkResolution(r.Linked, r.Unresolved, r.DroppedDuplicateAccounts, r.DuplicateAccountIds);
    }

    public ValueTask OnProgressAsync(ImportProgress progress, CancellationToken ct) => onProgress(progress, Records);

    /// <summary>
    /// Accounts merged from several calls wait in a buffer file beside the staging file, not in memory; the pipeline
    /// stays on. The engine disposes the buffer (which deletes its file) when the accounts were emitted, the sink at the latest.
    /// </summary>
    public IAccountRecordBuffer OpenAccountBuffer()
    {
        buffer?.Dispose();
        return buffer = SqliteAccountBuffer.Beside(staging.File);
    }

    /// <summary>Stops the writer thread (records not yet written are dropped: the run failed or was cancelled, or all were
    /// drained) and deletes the account buffer's file if the engine did not.</summary>
    public void Dispose()
    {
        buffer?.Dispose();
        pipeline?.Dispose();
    }
}
