using AdminPortal.Data.Configurations;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace AdminPortal.Data.Migrations;

/// <summary>
/// Issue [7/7], the account grid at a million accounts (docs/decisions/ADR-015-account-search-and-counts.md):
/// <list type="bullet">
/// <item>case-folded VIRTUAL copies of Name, AccountId and DisplayName, each indexed after EndpointId, so a search by
/// the start of any of them is three index ranges instead of a scan of every account of the endpoint;</item>
/// <item><c>AccountCounts</c> (endpoint, status) → count, kept by triggers on Accounts, so the unfiltered and the
/// status-filtered totals are one row instead of a count over a million index entries. The triggers see every
/// writer (the bulk import's set-based SQL, EF, foreign-key cascades); an endpoint's rows go with it (cascade).</item>
/// </list>
/// Mirrored in AccountConfiguration / AccountCountConfiguration. The triggers are SQLite's; EnsureCreated() does not
/// make them, which RepositoryService tolerates (no count row → it counts).
/// </summary>
[DbContext(typeof(AdminPortalDbContext))]
[Migration("20261202190000_AccountSearchAndCounts")]
public class AccountSearchAndCounts : Migration
{
    private const string Upsert = "INSERT INTO AccountCounts (EndpointId, Status, Count) VALUES (new.EndpointId, new.Status, 1) " +
                                  "ON CONFLICT (EndpointId, Status) DO UPDATE SET Count = Count + 1;";

    private const string Decrement = "UPDATE AccountCounts SET Count = Count - 1 WHERE EndpointId = old.EndpointId AND Status = old.Status;";

    protected override void Up(MigrationBuilder m)
    {
        foreach (var (key, source) in AccountConfiguration.SearchKeys)
        {
            m.AddColumn<string>(key, "Accounts", nullable: true, computedColumnSql: $"lower(\"{source}\")", stored: false);
            m.CreateIndex($"IX_Accounts_EndpointId_{key}", "Accounts", ["EndpointId", key]);
        }

        m.CreateTable("AccountCounts", t => new
        {
            EndpointId = t.Column<int>(nullable: false),
            Status = t.Column<int>(nullable: false),
            Count = t.Column<long>(nullable: false),
        }, constraints: c =>
        {
            c.PrimaryKey("PK_AccountCounts", x => new { x.EndpointId, x.Status });
            c.ForeignKey("FK_AccountCounts_Endpoints_EndpointId", x => x.EndpointId, "Endpoints", "Id", onDelete: ReferentialAction.Cascade);
        });

        if (ActiveProvider != "Microsoft.EntityFrameworkCore.Sqlite") return;
        m.Sql("INSERT INTO AccountCounts (EndpointId, Status, Count) SELECT EndpointId, Status, count(*) FROM Accounts GROUP BY EndpointId, Status;");
        m.Sql($"CREATE TRIGGER TR_Accounts_Count_Insert AFTER INSERT ON Accounts BEGIN {Upsert} END;");
        m.Sql($"CREATE TRIGGER TR_Accounts_Count_Delete AFTER DELETE ON Accounts BEGIN {Decrement} END;");
        m.Sql("CREATE TRIGGER TR_Accounts_Count_Update AFTER UPDATE OF EndpointId, Status ON Accounts " +
              $"WHEN old.EndpointId <> new.EndpointId OR old.Status <> new.Status BEGIN {Decrement} {Upsert} END;");
    }

    protected override void Down(MigrationBuilder m)
    {
        if (ActiveProvider == "Microsoft.EntityFrameworkCore.Sqlite")
        {
            foreach (var trigger in new[] { "Insert", "Delete", "Update" }) m.Sql($"DROP TRIGGER IF EXISTS TR_Accounts_Count_{trigger};");
        }

        m.DropTable("AccountCounts");
        foreach (var (key, _) in AccountConfiguration.SearchKeys)
        {
            m.DropIndex($"IX_Accounts_EndpointId_{key}", "Accounts");
            m.DropColumn(key, "Accounts");
        }
    }
}
