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
        bool inactivate = config?.InactivateAccountsNotInFile == true
                          && !string.Equals(config.AccountsNotInImportAction, "Suspend", StringComparison.OrdinalIgnoreCase);
        var removedAccounts = missingActive.ToHashSet(StringComparer.Ordinal);
        bool deleteLinksOfRemoved = config?.DeleteLinks ?? true;
        bool deleteLinksOfPresent = config?.DeleteAccEntForActiveAccounts ?? options.DefaultDeleteLinksOfPresentAccounts;
        var linkRemove = new List<LinkKey>();
        foreach (var l in existingLinks)
        {
            if (imported.Links.Contains(l)) continue;
            bool present = imported.AccountHashes.ContainsKey(l.AccountId);
            if (present ? deleteLinksOfPresent : (removedAccounts.Contains(l.AccountId) && deleteLinksOfRemoved)) linkRemove.Add(l);
        }
        var entRemove = config?.InactivateEntsNotInFeed ?? options.DefaultInactivateEntitlementsNotInFeed
            ? existingEntitlements.Where(e => e.IsActive && !imported.EntitlementHashes.ContainsKey(new EntitlementKey(e.EntitlementType, e.EntitlementId)))
                .Select(e => new EntitlementKey(e.EntitlementType, e.EntitlementId)).ToList()
            : new List<EntitlementKey>();

        string? blocked = null;
        var status = RemovalPhaseStatus.Allowed;
        int activeExisting = existingAccounts.Count(a => a.IsActive);
        if (!imported.IsComplete)
        {
            status = RemovalPhaseStatus.RefusedIncomplete;
            blocked = "import incomplete: the read was not proven complete, nothing is removed";
        }
        else if (imported.AccountHashes.Count == 0 && existingAccounts.Count > 0 && missingActive.Count > 0)
        {
            status = RemovalPhaseStatus.ThresholdReached;
            blocked = $"threshold reached: the target returned zero accounts while the endpoint has {existingAccounts.Count}";
        }
        else if (config?.AccountThresholdValue is { } max && max > 0 && missingActive.Count >= max)
        {
            status = RemovalPhaseStatus.ThresholdReached;
            blocked = $"threshold reached: {missingActive.Count} account(s) would be removed, accountThresholdValue is {max}";
        }
        else if (activeExisting > 0 && activeExisting >= options.PercentGuardMinimumAccounts
                 && missingActive.Count * 100.0 / activeExisting > (config?.AccountThresholdPercent ?? options.DefaultThresholdPercent))
        {
            var pct = config?.AccountThresholdPercent ?? options.DefaultThresholdPercent;
            status = RemovalPhaseStatus.ThresholdReached;
            blocked = $"threshold reached: {missingActive.Count} of {activeExisting} active account(s) ({missingActive.Count * 100.0 / activeExisting:0.#} %) would be removed, limit {pct:0.#} %";
        }
        else if (config?.AccountEntThresholdValue is { } lmax && lmax > 0 && linkRemove.Count >= lmax)
        {
            status = RemovalPhaseStatus.ThresholdReached;
            blocked = $"threshold reached: {linkRemove.Count} link(s) would be removed, accountEntThresholdValue is {lmax}";
        }
        else if (config?.EntThresholdValue is { } emax && emax > 0 && entRemove.Count >= emax)
        {
            status = RemovalPhaseStatus.ThresholdReached;
            blocked = $"threshold reached: {entRemove.Count} entitlement(s) would be inactivated, entThresholdValue is {emax}";
        }
        else if (imported.EntitlementHashes.Count == 0 && entRemove.Count > 0)
        {
            status = RemovalPhaseStatus.ThresholdReached;
            blocked = "threshold reached: the target returned zero entitlements while the endpoint has some";
        }
        if (status == RemovalPhaseStatus.ThresholdReached && options.Approved is { } approved
            && missingActive.Count <= approved.Accounts && linkRemove.Count <= approved.Links && entRemove.Count <= approved.Entitlements)
        {
            status = RemovalPhaseStatus.Allowed;
            blocked = null;
        }

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
}
