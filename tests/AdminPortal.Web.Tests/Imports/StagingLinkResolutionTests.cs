using AdminPortal.Core.Domain;
using AdminPortal.Data;
using Microsoft.Data.Sqlite;

namespace AdminPortal.Web.Tests.Imports;

/// <summary>
/// SqliteImportStaging.ResolveLinks gives the engine's in-memory resolution (see IDeferredLinkSink): accounts by id or by
/// the first account's name, entitlements by id or the first value, repeated accounts dropped after the first copy,
/// unresolved occurrences counted, links de-duplicated.
/// </summary>
public class StagingLinkResolutionTests
{
    private static StagedAccount Account(string id, string name) =>
        new() { AccountId = id, Name = name, Custom = new string?[Core.Domain.Account.CustomPropertyCount], Hash = id + name, Status = (int)AccountStatus.Active };

    [Fact]
    public void Resolves_by_id_name_and_value_drops_repeated_accounts_and_counts_unresolved()
    {
        var folder = Directory.CreateTempSubdirectory("staging-test-").FullName;
        using var main = new SqliteConnection($"Data Source={Path.Combine(folder, "portal.db")}");
        string file;
        StagedLinkResolution r;
        using (var staging = SqliteImportStaging.Create(main, 1, Core.Domain.Account.CustomPropertyCount))
        {
            file = staging.File;
            staging.AddAccount(Account("1", "ann"));
            staging.AddLink("1", false, "Group", "g1", false);          // from the record just staged: by number
            staging.AddLink("1", false, "Group", "g1", false);          // repeated: one link
            staging.AddAccount(Account("2", "bob"));
            staging.AddLink("2", false, "Group", "Viewers", true);      // by value
            staging.AddAccount(Account("1", "ann-again"));              // a later copy of 1: dropped, its membership kept for 1
            staging.AddLink("1", false, "Group", "g2", false);
            staging.AddAccount(Account("3", "bob"));                    // same name as 2: "bob" means 2
            staging.AddLink("404", false, "Group", "g1", false);        // unknown account
            staging.AddLink("3", false, "Group", "nope", false);        // unknown entitlement
            staging.AddLink("3", false, "Other", "g1", false);          // unknown type
            staging.AddLink("bob", true, "Group", "g2", false);         // by name → 2
            staging.AddLink("ann-again", true, "Group", "g2", false);   // the dropped copy's name is unknown
            staging.AddEntitlement("Group", "g1", "Admins");
            staging.AddEntitlement("Group", "g2", "Viewers");
            staging.AddEntitlement("Group", "g3", "Viewers");           // the second with that value: "Viewers" means g2
            staging.AddLink("3", false, "Group", "Viewers", true);

            r = staging.ResolveLinks();
            Assert.Same(r, staging.ResolveLinks());
            Assert.Equal(3, staging.Accounts);
            staging.Complete();
        }

        Assert.Equal(4, r.Linked);
        Assert.Equal(4, r.Unresolved);
        Assert.Equal(1, r.DroppedDuplicateAccounts);
        Assert.Equal(["1"], r.DuplicateAccountIds);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void Many_memberships_across_insert_batches_resolve_like_a_few()
    {
        // 16 memberships go in one statement: every remainder (0..15 pending at the end) and batches that mix keys by
        // number, by id and by name must stage the same rows as single inserts did
        for (var extra = 0; extra < 17; extra++)
        {
            var folder = Directory.CreateTempSubdirectory("staging-test-").FullName;
            using var main = new SqliteConnection($"Data Source={Path.Combine(folder, "portal.db")}");
            using var staging = SqliteImportStaging.Create(main, 3, Core.Domain.Account.CustomPropertyCount);
            for (var a = 1; a <= 40; a++)
            {
                staging.AddAccount(Account($"a{a}", $"n{a}"));
                for (var g = 0; g < 5; g++) staging.AddLink($"a{a}", false, "Group", $"g{(a + g) % 9}", false);
                if (a % 7 == 0) staging.AddLink($"n{a - 1}", true, "Group", "g8", false);   // by name, an earlier account
                if (a % 11 == 0) staging.AddLink("a1", false, "Group", "g4", false);          // by id, not the last staged
            }

            for (var i = 0; i < extra; i++) staging.AddLink("ghost", false, "Group", "g1", false);
            for (var g = 0; g < 8; g++) staging.AddEntitlement("Group", $"g{g}", $"G{g}");  // g8 is unknown
            var r = staging.ResolveLinks();
            // 200 by number (those to g8 unknown), 5 by name (to g8: unknown), 3 by id (a1 already has g4: one link)
            var toG8 = Enumerable.Range(1, 40).Sum(a => Enumerable.Range(0, 5).Count(g => (a + g) % 9 == 8));
            Assert.Equal(200 - toG8, r.Linked);
            Assert.Equal(toG8 + 5 + extra, r.Unresolved);
        }
    }

    [Fact]
    public void The_resolved_links_are_keyed_by_staged_account_and_entitlement_numbers()
    {
        var folder = Directory.CreateTempSubdirectory("staging-test-").FullName;
        using var main = new SqliteConnection($"Data Source={Path.Combine(folder, "portal.db")}");
        using var staging = SqliteImportStaging.Create(main, 2, Core.Domain.Account.CustomPropertyCount);
        staging.AddAccount(Account("a", "a"));
        staging.AddAccount(Account("b", "b"));
        staging.AddLink("a", false, "T", "x", false);
        staging.AddLink("b", false, "T", "y", false);
        staging.AddLink("b", false, "T", "x", false);
        staging.AddEntitlement("T", "y", "y");
        staging.AddEntitlement("T", "x", "x");
        staging.Complete();

        using var read = new SqliteConnection($"Data Source={staging.File};Mode=ReadOnly;Pooling=False");
        read.Open();
        using var cmd = read.CreateCommand();
        cmd.CommandText = "SELECT a.account_id || '|' || e.eid FROM lnk k JOIN acc a ON a.seq = k.aseq JOIN ent e ON e.seq = k.eseq ORDER BY 1";
        var rows = new List<string>();
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read()) rows.Add(r.GetString(0));
        }

        Assert.Equal(["a|x", "b|x", "b|y"], rows);
        Assert.Equal(3, staging.Links);
    }
}
