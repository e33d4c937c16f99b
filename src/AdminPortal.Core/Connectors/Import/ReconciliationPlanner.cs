using AdminPortal.Core.Connectors.Configuration;

namespace AdminPortal.Core.Connectors.Import;

/// <summary>What the endpoint currently holds for an account.</summary>
public sealed record ExistingAccount(string AccountId, string Hash, bool IsActive);

public sealed record ExistingEntitlement(string EntitlementType, string EntitlementId, string Hash, bool IsActive);

public sealed record LinkKey(string AccountId, string EntitlementType, string EntitlementId);

public sealed record EntitlementKey(string EntitlementType, string EntitlementId);

/// <summary>The imported set, reduced to keys and hashes.</summary>
public sealed record ImportedSnapshot
{
    public required bool IsComplete { get; init; }
    public IReadOnlyDictionary<string, string> AccountHashes { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<EntitlementKey, string> EntitlementHashes { get; init; } = new Dictionary<EntitlementKey, string>();
    public IReadOnlySet<LinkKey> Links { get; init; } = new HashSet<LinkKey>();
}

public enum RemovalPhaseStatus
{
    /// <summary>Removals computed and allowed.</summary>
    Allowed,

    /// <summary>The import was not proven complete: no removal of any kind.</summary>
    RefusedIncomplete,

    /// <summary>A threshold guard tripped: no removal of any kind.</summary>
    ThresholdReached,
}

public sealed record ReconciliationOptions
{
    /// <summary>Maximum share of existing active accounts that may be removed, in percent (default 10).</summary>
    public double DefaultThresholdPercent { get; init; } = 10;

    /// <summary>Apply the percentage guard only when the endpoint has at least this many active accounts
    /// (tiny endpoints would otherwise always trip it). Default 0 = always.</summary>
    public int PercentGuardMinimumAccounts { get; init; }

    /// <summary>Remove links that disappeared for still-present accounts when no config says otherwise.</summary>
    public bool DefaultDeleteLinksOfPresentAccounts { get; init; } = true;

    /// <summary>Inactivate entitlements missing from a complete feed when no statusAndThresholdConfig exists (DOMAIN.md rule).</summary>
    public bool DefaultInactivateEntitlementsNotInFeed { get; init; } = true;

    /// <summary>
    /// An administrator approved a run stopped by the guard: removals up to these counts pass the guard
    /// (never an incomplete read). Null means not approved.
    /// </summary>
    public ApprovedRemovals? Approved { get; init; }
}

/// <summary>The removal counts an administrator saw and approved on a run stopped by the threshold guard.</summary>
public sealed record ApprovedRemovals(int Accounts, int Links, int Entitlements);

public sealed record ReconciliationPlan
{
    public IReadOnlyList<string> AccountsToAdd { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> AccountsToUpdate { get; init; } = Array.Empty<string>();
    public int AccountsUnchanged { get; init; }
    public IReadOnlyList<string> AccountsToSuspend { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> AccountsToInactivate { get; init; } = Array.Empty<string>();
    public IReadOnlyList<EntitlementKey> EntitlementsToAdd { get; init; } = Array.Empty<EntitlementKey>();
    public IReadOnlyList<EntitlementKey> EntitlementsToUpdate { get; init; } = Array.Empty<EntitlementKey>();
    public IReadOnlyList<EntitlementKey> EntitlementsToInactivate { get; init; } = Array.Empty<EntitlementKey>();
    public IReadOnlyList<LinkKey> LinksToAdd { get; init; } = Array.Empty<LinkKey>();
    public IReadOnlyList<LinkKey> LinksToRemove { get; init; } = Array.Empty<LinkKey>();
    public RemovalPhaseStatus RemovalPhase { get; init; }

    /// <summary>Why the removal phase was refused ("threshold reached: …", "import incomplete: …").</summary>
    public string? RemovalBlockedReason { get; init; }

    /// <summary>How many accounts the removal phase would have touched (also when blocked).</summary>
    public int AccountRemovalsWanted { get; init; }
    public int LinkRemovalsWanted { get; init; }
    public int EntitlementRemovalsWanted { get; init; }
}

/// <summary>Pure diff between what an endpoint holds and a completed import, with the safety guards of §4.</summary>
public static class ReconciliationPlanner
{
    public static ReconciliationPlan Plan(
        IReadOnlyCollection<ExistingAccount> existingAccounts,
        IReadOnlyCollection<ExistingEntitlement> existingEntitlements,
        IReadOnlyCollection<LinkKey> existingLinks,
        ImportedSnapshot imported,
        StatusThresholdConfig? config,
        ReconciliationOptions? options = null)
    {
        options ??= new ReconciliationOptions();
        var existingById = existingAccounts.ToDictionary(a => a.AccountId, StringComparer.Ordinal);
        var add = new List<string>();
        var update = new List<string>();
        int unchanged = 0;
        foreach (var (id, hash) in imported.AccountHashes)
        {
            if (!existingById.TryGetValue(id, out var ex)) add.Add(id);
            else if (!string.Equals(ex.Hash, hash, StringComparison.Ordinal)) update.Add(id);
            else unchanged++;
        }
        var existingEnt = existingEntitlements.ToDictionary(e => new EntitlementKey(e.EntitlementType, e.EntitlementId));
        var entAdd = new List<EntitlementKey>();
        var entUpdate = new List<EntitlementKey>();
        foreach (var (key, hash) in imported.EntitlementHashes)
        {
            if (!existingEnt.TryGetValue(key, out var ex)) entAdd.Add(key);
            else if (!string.Equals(ex.Hash, hash, StringComparison.Ordinal)) entUpdate.Add(key);
        }
        var existingLinkSet = existingLinks.ToHashSet();
        var linkAdd = imported.Links.Where(l => !existingLinkSet.Contains(l)).ToList();

        // ---- removal phase (computed, then guarded)
        var missingActive = existingAccounts.Where(a => a.IsActive && !imported.AccountHashes.ContainsKey(a.AccountId)).Select(a => a.AccountId).ToList();
        bool inactivate = InactivatesMissingAccounts(config);
        var removedAccounts = missingActive.ToHashSet(StringComparer.Ordinal);
        bool deleteLinksOfRemoved = DeletesLinksOfRemovedAccounts(config);
        bool deleteLinksOfPresent = DeletesLinksOfPresentAccounts(config, options);
        var linkRemove = new List<LinkKey>();
        foreach (var l in existingLinks)
        {
            if (imported.Links.Contains(l)) continue;
            bool present = imported.AccountHashes.ContainsKey(l.AccountId);
            if (present ? deleteLinksOfPresent : (removedAccounts.Contains(l.AccountId) && deleteLinksOfRemoved)) linkRemove.Add(l);
        }
        var entRemove = InactivatesMissingEntitlements(config, options)
            ? existingEntitlements.Where(e => e.IsActive && !imported.EntitlementHashes.ContainsKey(new EntitlementKey(e.EntitlementType, e.EntitlementId)))
                .Select(e => new EntitlementKey(e.EntitlementType, e.EntitlementId)).ToList()
            : new List<EntitlementKey>();

        int activeExisting = existingAccounts.Count(a => a.IsActive);
        var (status, blocked) = Guard(new RemovalCounts(imported.IsComplete, imported.AccountHashes.Count, existingAccounts.Count, activeExisting,
            missingActive.Count, linkRemove.Count, imported.EntitlementHashes.Count, entRemove.Count), config, options);

        bool allowed = status == RemovalPhaseStatus.Allowed;
        return new ReconciliationPlan
        {
            AccountsToAdd = add,
            AccountsToUpdate = update,
            AccountsUnchanged = unchanged,
            AccountsToInactivate = allowed && inactivate ? missingActive : Array.Empty<string>(),
            AccountsToSuspend = allowed && !inactivate ? missingActive : Array.Empty<string>(),
            EntitlementsToAdd = entAdd,
            EntitlementsToUpdate = entUpdate,
            EntitlementsToInactivate = allowed ? entRemove : Array.Empty<EntitlementKey>(),
            LinksToAdd = linkAdd,
            LinksToRemove = allowed ? linkRemove : Array.Empty<LinkKey>(),
            RemovalPhase = status,
            RemovalBlockedReason = blocked,
            AccountRemovalsWanted = missingActive.Count,
            LinkRemovalsWanted = linkRemove.Count,
            EntitlementRemovalsWanted = entRemove.Count,
        };
    }

    /// <summary>Missing accounts are inactivated (rather than suspended) by this config.</summary>
    public static bool InactivatesMissingAccounts(StatusThresholdConfig? config) =>
        config?.InactivateAccountsNotInFile == true && !string.Equals(config.AccountsNotInImportAction, "Suspend", StringComparison.OrdinalIgnoreCase);

    public static bool DeletesLinksOfRemovedAccounts(StatusThresholdConfig? config) => config?.DeleteLinks ?? true;

    public static bool DeletesLinksOfPresentAccounts(StatusThresholdConfig? config, ReconciliationOptions options) =>
        config?.DeleteAccEntForActiveAccounts ?? options.DefaultDeleteLinksOfPresentAccounts;

    public static bool InactivatesMissingEntitlements(StatusThresholdConfig? config, ReconciliationOptions options) =>
        config?.InactivateEntsNotInFeed ?? options.DefaultInactivateEntitlementsNotInFeed;

    /// <summary>
    /// The deletion guard of §4 on counts alone, so that a planner working set-based in the database (the bulk import
    /// path) takes exactly the decisions of <see cref="Plan"/>, which calls it too.
    /// </summary>
    public static (RemovalPhaseStatus Status, string? BlockedReason) Guard(RemovalCounts c, StatusThresholdConfig? config, ReconciliationOptions? options = null)
    {
        options ??= new ReconciliationOptions();
        string? blocked = null;
        var status = RemovalPhaseStatus.Allowed;
        if (!c.IsComplete)
        {
            status = RemovalPhaseStatus.RefusedIncomplete;
            blocked = "import incomplete: the read was not proven complete, nothing is removed";
        }
        else if (c.ImportedAccounts == 0 && c.ExistingAccounts > 0 && c.MissingActiveAccounts > 0)
        {
            status = RemovalPhaseStatus.ThresholdReached;
            blocked = $"threshold reached: the target returned zero accounts while the endpoint has {c.ExistingAccounts}";
        }
        else if (config?.AccountThresholdValue is { } max && max > 0 && c.MissingActiveAccounts >= max)
        {
            status = RemovalPhaseStatus.ThresholdReached;
            blocked = $"threshold reached: {c.MissingActiveAccounts} account(s) would be removed, accountThresholdValue is {max}";
        }
        else if (c.ActiveExistingAccounts > 0 && c.ActiveExistingAccounts >= options.PercentGuardMinimumAccounts
                 && c.MissingActiveAccounts * 100.0 / c.ActiveExistingAccounts > (config?.AccountThresholdPercent ?? options.DefaultThresholdPercent))
        {
            var pct = config?.AccountThresholdPercent ?? options.DefaultThresholdPercent;
            status = RemovalPhaseStatus.ThresholdReached;
            blocked = $"threshold reached: {c.MissingActiveAccounts} of {c.ActiveExistingAccounts} active account(s) ({c.MissingActiveAccounts * 100.0 / c.ActiveExistingAccounts:0.#} %) would be removed, limit {pct:0.#} %";
        }
        else if (config?.AccountEntThresholdValue is { } lmax && lmax > 0 && c.LinkRemovals >= lmax)
        {
            status = RemovalPhaseStatus.ThresholdReached;
            blocked = $"threshold reached: {c.LinkRemovals} link(s) would be removed, accountEntThresholdValue is {lmax}";
        }
        else if (config?.EntThresholdValue is { } emax && emax > 0 && c.EntitlementRemovals >= emax)
        {
            status = RemovalPhaseStatus.ThresholdReached;
            blocked = $"threshold reached: {c.EntitlementRemovals} entitlement(s) would be inactivated, entThresholdValue is {emax}";
        }
        else if (c.ImportedEntitlements == 0 && c.EntitlementRemovals > 0)
        {
            status = RemovalPhaseStatus.ThresholdReached;
            blocked = "threshold reached: the target returned zero entitlements while the endpoint has some";
        }
        if (status == RemovalPhaseStatus.ThresholdReached && options.Approved is { } approved
            && c.MissingActiveAccounts <= approved.Accounts && c.LinkRemovals <= approved.Links && c.EntitlementRemovals <= approved.Entitlements)
        {
            status = RemovalPhaseStatus.Allowed;
            blocked = null;
        }
        return (status, blocked);
    }
}

/// <summary>What the deletion guard looks at: how much was read, what exists, and what the removal phase would touch.</summary>
public sealed record RemovalCounts(
    bool IsComplete, int ImportedAccounts, int ExistingAccounts, int ActiveExistingAccounts, int MissingActiveAccounts,
    int LinkRemovals, int ImportedEntitlements, int EntitlementRemovals);
