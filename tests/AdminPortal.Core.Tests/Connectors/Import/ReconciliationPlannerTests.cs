using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Connectors.Import;

namespace AdminPortal.Core.Tests.Connectors.Import;

public class ReconciliationPlannerTests
{
    private static List<ExistingAccount> Existing(int n) => Enumerable.Range(1, n).Select(i => new ExistingAccount("a" + i, "h" + i, true)).ToList();

    private static ImportedSnapshot Snapshot(IEnumerable<(string Id, string Hash)> accounts, bool complete = true, IEnumerable<LinkKey>? links = null,
        IEnumerable<(EntitlementKey, string)>? ents = null)
        => new()
        {
            IsComplete = complete,
            AccountHashes = accounts.ToDictionary(a => a.Id, a => a.Hash),
            Links = (links ?? Array.Empty<LinkKey>()).ToHashSet(),
            EntitlementHashes = (ents ?? Array.Empty<(EntitlementKey, string)>()).ToDictionary(e => e.Item1, e => e.Item2),
        };

    private static IEnumerable<(string, string)> Same(int n, int skip = 0) => Enumerable.Range(1, n).Where(i => i > skip).Select(i => ("a" + i, "h" + i));

    [Fact]
    public void Adds_changes_and_unchanged()
    {
        var imported = Snapshot(new[] { ("a1", "h1"), ("a2", "CHANGED"), ("new", "x") }.Concat(Same(20).Skip(2)));
        var plan = ReconciliationPlanner.Plan(Existing(20), Array.Empty<ExistingEntitlement>(), Array.Empty<LinkKey>(), imported, null);
        Assert.Equal(new[] { "new" }, plan.AccountsToAdd);
        Assert.Equal(new[] { "a2" }, plan.AccountsToUpdate);
        Assert.Equal(19, plan.AccountsUnchanged);
        Assert.Equal(RemovalPhaseStatus.Allowed, plan.RemovalPhase);
        Assert.Empty(plan.AccountsToSuspend);
    }

    [Fact]
    public void Missing_accounts_are_suspended_or_inactivated_per_config()
    {
        var imported = Snapshot(Same(20, skip: 1));
        var suspend = ReconciliationPlanner.Plan(Existing(20), Array.Empty<ExistingEntitlement>(), Array.Empty<LinkKey>(), imported, new StatusThresholdConfig { InactivateAccountsNotInFile = false });
        Assert.Equal(new[] { "a1" }, suspend.AccountsToSuspend);
        Assert.Empty(suspend.AccountsToInactivate);
        var inactivate = ReconciliationPlanner.Plan(Existing(20), Array.Empty<ExistingEntitlement>(), Array.Empty<LinkKey>(), imported, new StatusThresholdConfig { InactivateAccountsNotInFile = true });
        Assert.Equal(new[] { "a1" }, inactivate.AccountsToInactivate);
        var alreadyInactive = Existing(20).Select(a => a.AccountId == "a1" ? a with { IsActive = false } : a).ToList();
        Assert.Empty(ReconciliationPlanner.Plan(alreadyInactive, Array.Empty<ExistingEntitlement>(), Array.Empty<LinkKey>(), imported, null).AccountsToSuspend);
    }

    [Fact]
    public void Incomplete_import_refuses_the_removal_phase()
    {
        var imported = Snapshot(Same(20, skip: 1), complete: false, links: Array.Empty<LinkKey>());
        var plan = ReconciliationPlanner.Plan(Existing(20), Array.Empty<ExistingEntitlement>(), new[] { new LinkKey("a2", "G", "g1") }, imported, null);
        Assert.Equal(RemovalPhaseStatus.RefusedIncomplete, plan.RemovalPhase);
        Assert.Empty(plan.AccountsToSuspend);
        Assert.Empty(plan.LinksToRemove);
        Assert.Equal(1, plan.AccountRemovalsWanted);
        Assert.Contains("incomplete", plan.RemovalBlockedReason);
    }

    [Fact]
    public void Count_threshold_blocks_removals()
    {
        var imported = Snapshot(Same(100, skip: 5));
        var plan = ReconciliationPlanner.Plan(Existing(100), Array.Empty<ExistingEntitlement>(), Array.Empty<LinkKey>(), imported, new StatusThresholdConfig { AccountThresholdValue = 5, AccountThresholdPercent = 50 });
        Assert.Equal(RemovalPhaseStatus.ThresholdReached, plan.RemovalPhase);
        Assert.StartsWith("threshold reached", plan.RemovalBlockedReason);
        Assert.Empty(plan.AccountsToSuspend);
        var ok = ReconciliationPlanner.Plan(Existing(100), Array.Empty<ExistingEntitlement>(), Array.Empty<LinkKey>(), imported, new StatusThresholdConfig { AccountThresholdValue = 6, AccountThresholdPercent = 50 });
        Assert.Equal(RemovalPhaseStatus.Allowed, ok.RemovalPhase);
        Assert.Equal(5, ok.AccountsToSuspend.Count);
    }

    [Fact]
    public void Default_percentage_threshold_is_ten_percent()
    {
        var plan = ReconciliationPlanner.Plan(Existing(100), Array.Empty<ExistingEntitlement>(), Array.Empty<LinkKey>(), Snapshot(Same(100, skip: 11)), null);
        Assert.Equal(RemovalPhaseStatus.ThresholdReached, plan.RemovalPhase);
        Assert.Contains("11 of 100", plan.RemovalBlockedReason);
        var ten = ReconciliationPlanner.Plan(Existing(100), Array.Empty<ExistingEntitlement>(), Array.Empty<LinkKey>(), Snapshot(Same(100, skip: 10)), null);
        Assert.Equal(RemovalPhaseStatus.Allowed, ten.RemovalPhase);
    }

    [Fact]
    public void Zero_records_from_target_while_endpoint_has_some_is_threshold_reached()
    {
        var plan = ReconciliationPlanner.Plan(Existing(3), Array.Empty<ExistingEntitlement>(), Array.Empty<LinkKey>(), Snapshot(Array.Empty<(string, string)>()),
            new StatusThresholdConfig { AccountThresholdPercent = 100 });
        Assert.Equal(RemovalPhaseStatus.ThresholdReached, plan.RemovalPhase);
        Assert.Contains("zero accounts", plan.RemovalBlockedReason);
    }

    [Fact]
    public void Link_additions_and_removals_follow_deleteLinks_flags()
    {
        var existingLinks = new[] { new LinkKey("a1", "G", "g1"), new LinkKey("a2", "G", "g1"), new LinkKey("a3", "G", "g1") };
        var imported = Snapshot(Same(20, skip: 1), links: new[] { new LinkKey("a2", "G", "g1"), new LinkKey("a2", "G", "g2") });
        var cfg = new StatusThresholdConfig { DeleteLinks = true, DeleteAccEntForActiveAccounts = true, AccountThresholdPercent = 50 };
        var plan = ReconciliationPlanner.Plan(Existing(20), Array.Empty<ExistingEntitlement>(), existingLinks, imported, cfg);
        Assert.Equal(new[] { new LinkKey("a2", "G", "g2") }, plan.LinksToAdd);
        Assert.Equal(new[] { new LinkKey("a1", "G", "g1"), new LinkKey("a3", "G", "g1") }, plan.LinksToRemove);

        var keepPresent = ReconciliationPlanner.Plan(Existing(20), Array.Empty<ExistingEntitlement>(), existingLinks, imported, cfg with { DeleteAccEntForActiveAccounts = false });
        Assert.Equal(new[] { new LinkKey("a1", "G", "g1") }, keepPresent.LinksToRemove);

        var linkThreshold = ReconciliationPlanner.Plan(Existing(20), Array.Empty<ExistingEntitlement>(), existingLinks, imported, cfg with { AccountEntThresholdValue = 2 });
        Assert.Equal(RemovalPhaseStatus.ThresholdReached, linkThreshold.RemovalPhase);
        Assert.Empty(linkThreshold.LinksToRemove);
    }

    [Fact]
    public void Entitlements_not_in_feed_are_inactivated_by_default_or_when_configured()
    {
        var existing = new[] { new ExistingEntitlement("G", "g1", "x", true), new ExistingEntitlement("G", "g2", "y", true) };
        var imported = Snapshot(Same(20), ents: new[] { (new EntitlementKey("G", "g1"), "x2"), (new EntitlementKey("G", "g3"), "z") });
        // No statusAndThresholdConfig: DOMAIN.md's rule applies (entitlements an import no longer finds become inactive).
        var byDefault = ReconciliationPlanner.Plan(Existing(20), existing, Array.Empty<LinkKey>(), imported, null);
        Assert.Equal(new[] { new EntitlementKey("G", "g2") }, byDefault.EntitlementsToInactivate);
        // A config that does not mention the switch gets the same default; one that turns it off keeps them active.
        var unmentioned = ReconciliationPlanner.Plan(Existing(20), existing, Array.Empty<LinkKey>(), imported, new StatusThresholdConfig { AccountThresholdPercent = 10 });
        Assert.Equal(new[] { new EntitlementKey("G", "g2") }, unmentioned.EntitlementsToInactivate);
        var configuredOff = ReconciliationPlanner.Plan(Existing(20), existing, Array.Empty<LinkKey>(), imported, new StatusThresholdConfig { AccountThresholdPercent = 10, InactivateEntsNotInFeed = false });
        Assert.Empty(configuredOff.EntitlementsToInactivate);
        var off = ReconciliationPlanner.Plan(Existing(20), existing, Array.Empty<LinkKey>(), imported, null,
            new ReconciliationOptions { DefaultInactivateEntitlementsNotInFeed = false });
        Assert.Empty(off.EntitlementsToInactivate);
        Assert.Equal(new[] { new EntitlementKey("G", "g3") }, off.EntitlementsToAdd);
        Assert.Equal(new[] { new EntitlementKey("G", "g1") }, off.EntitlementsToUpdate);
        var on = ReconciliationPlanner.Plan(Existing(20), existing, Array.Empty<LinkKey>(), imported, new StatusThresholdConfig { InactivateEntsNotInFeed = true, AccountThresholdPercent = 10 });
        Assert.Equal(new[] { new EntitlementKey("G", "g2") }, on.EntitlementsToInactivate);
    }
}
