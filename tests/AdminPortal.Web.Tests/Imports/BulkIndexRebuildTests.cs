using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Simulators;
using AdminPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace AdminPortal.Web.Tests.Imports;

/// <summary>
/// ADR-021: a bulk insert that at least grows Accounts / AccountEntitlements by half drops their secondary indexes and
/// builds them again after the insert, inside the import's transaction. The indexes come back exactly as the migrations
/// made them, the rows are the same as with incremental index inserts, and a rollback brings back the old state.
/// </summary>
public class BulkIndexRebuildTests
{
    [Theory]
    [InlineData(1_000_000, 0, true)]        // first import of a large target
    [InlineData(1_000_000, 1_000_000, true)] // a second large endpoint beside an equally large one
    [InlineData(400_000, 1_000_000, false)]  // a smaller one beside a large table: rebuilding would redo 1.4M entries
    [InlineData(10_000, 0, false)]           // small: incremental inserts are cheap
    [InlineData(0, 0, false)]                // nothing to insert
    public void Rebuilds_only_for_bulk_inserts_that_grow_the_table_by_half(long inserting, long existing, bool expected) =>
        Assert.Equal(expected, SqliteBulkImport.RebuildsIndexes(inserting, existing));

    [Fact]
    public async Task Import_with_rebuilt_indexes_writes_the_same_rows_and_keeps_the_schema()
    {
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions { Seed = 21, Accounts = 60, EntitlementsPerType = 6, LinksPerAccount = 3 });
        await using var incremental = new PortalFactory();
        await using var rebuilt = new PortalFactory { Configure = b => b.UseSetting("AdminPortal:Jobs:BulkIndexRebuildMinRows", "1") };
        var schemaBefore = await SchemaAsync(rebuilt);

        var runs = new List<JobRun>();
        var endpoints = new List<string>();
        var contents = new List<object>();
        foreach (var portal in new[] { incremental, rebuilt })
        {
            var harness = new ImportHarness(portal);
            var endpoint = await harness.SetUpAsync(sim);
            var run = await harness.RunAsync(endpoint);
            Assert.True(run.Status == JobRunStatus.Succeeded, $"{run.Status}: {run.Error}\n{run.Log}");
            runs.Add(run);
            endpoints.Add(endpoint);
            var (accounts, entitlements, links) = await harness.ReadAsync(endpoint);
            contents.Add((string.Join(";", accounts.OrderBy(a => a.Id)), string.Join(";", entitlements.OrderBy(e => e.Id)), string.Join(";", links.OrderBy(l => l.AccountId).ThenBy(l => l.EntitlementId))));
        }

        Assert.Contains("indexes rebuilt 0); links", runs[0].Log);
        Assert.Contains("indexes rebuilt 8); links", runs[1].Log);     // Accounts: 8 secondary indexes
        Assert.Contains("-0, indexes rebuilt 1); building indexes", runs[1].Log); // AccountEntitlements: 1 (its key stays)
        Assert.Equal(contents[0], contents[1]);
        Assert.Equal(schemaBefore, await SchemaAsync(rebuilt));
        Assert.Equal("ok", await ScalarAsync(rebuilt, "PRAGMA integrity_check"));
        // The rebuilt unique index still refuses a second row with the same (endpoint, account id).
        Assert.Equal(0L, await ScalarAsync(rebuilt, "SELECT count(*) FROM (SELECT 1 FROM Accounts GROUP BY EndpointId, AccountId HAVING count(*) > 1)"));
        var ex = await Assert.ThrowsAsync<SqliteException>(() => ScalarAsync(rebuilt,
            "INSERT INTO Accounts(EndpointId, AccountId, Name, Status, CreatedUtc, UpdatedUtc) SELECT EndpointId, AccountId, Name, Status, CreatedUtc, UpdatedUtc FROM Accounts LIMIT 1"));
        Assert.Contains("UNIQUE", ex.Message);

        // Re-import: nothing new to insert, so no DDL.
        var again = await new ImportHarness(rebuilt).RunAsync(endpoints[1]);
        Assert.True(again.Status == JobRunStatus.Succeeded, $"{again.Status}: {again.Error}\n{again.Log}");
        Assert.Contains("indexes rebuilt 0); links", again.Log);
        Assert.Contains("(+0 -0, indexes rebuilt 0)", again.Log); // no link to add: the link index stays too
    }

    [Fact]
    public async Task A_rolled_back_apply_brings_back_the_indexes_and_the_rows()
    {
        await using var portal = new PortalFactory();
        var endpoint = await portal.AddEndpointWithAccountsAsync("rebuild", [new Account { AccountId = "old-1", Name = "old one", Status = AccountStatus.Active }]);
        var schemaBefore = await SchemaAsync(portal);
        var dumpBefore = await portal.DumpAsync();

        await using var db = portal.CreateDbContext();
        await db.Database.OpenConnectionAsync();
        var connection = db.Database.GetDbConnection();
        using (var staging = SqliteImportStaging.Create(connection, 99, Account.CustomPropertyCount))
        {
            for (var i = 0; i < 5; i++)
            {
                staging.AddAccount(new StagedAccount { AccountId = $"new-{i}", Name = $"new {i}", Custom = new string?[Account.CustomPropertyCount], Hash = $"h{i}", Status = (int)AccountStatus.Active });
            }

            staging.Complete();
            SqliteBulkImport.Attach(connection, staging);
            try
            {
                await using (var tx = await db.Database.BeginTransactionAsync())
                {
                    var bulk = SqliteBulkImport.For(connection, tx.GetDbTransaction(), endpoint.Id, Account.CustomPropertyCount, minRowsForIndexRebuild: 1);
                    bulk.Plan(false, false);
                    var written = bulk.ApplyAccounts(1, DateTime.UtcNow, null);
                    Assert.Equal(5, written.Inserted);
                    Assert.Equal(8, written.IndexesRebuilt);
                    // the transaction is disposed without a commit: a failure after the DDL
                }
            }
            finally
            {
                SqliteBulkImport.Detach(connection);
            }
        }

        Assert.Equal(schemaBefore, await SchemaAsync(portal));
        Assert.Equal(dumpBefore, await portal.DumpAsync());
    }

    private static async Task<string> SchemaAsync(PortalFactory portal) =>
        (string)(await ScalarAsync(portal, "SELECT group_concat(type || ' ' || name || ': ' || ifnull(sql, '-'), char(10)) FROM (SELECT * FROM sqlite_master ORDER BY type, name)"))!;

    private static async Task<object?> ScalarAsync(PortalFactory portal, string sql)
    {
        await using var db = portal.CreateDbContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return await cmd.ExecuteScalarAsync();
    }
}
