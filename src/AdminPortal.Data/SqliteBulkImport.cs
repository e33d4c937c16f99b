using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace AdminPortal.Data;

/// <summary>What the set-based planner found: the counts the deletion guard needs, and samples for the run's summary.</summary>
public sealed record BulkAccountPlan(
    int ToAdd, int ToUpdate, int Unchanged, int ExistingAccounts, int ActiveExistingAccounts, int MissingActive,
    int LinksToAdd, int LinksToRemove,
    IReadOnlyList<string> SampleAdded, IReadOnlyList<string> SampleChanged, IReadOnlyList<string> SampleMissing)
{
    /// <summary>The first added accounts with the names they were read with (for previews).</summary>
    public IReadOnlyList<(string AccountId, string Name)> SampleAddedNames { get; init; } = [];
}

/// <summary>
/// The SQLite bulk path of an import's plan and apply: set-based SQL (INSERT … SELECT, UPDATE … FROM, content hashes
/// to skip unchanged rows) between the run's staging file, ATTACHed as <c>stg</c>, and the portal's tables — EF's change
/// tracker costs seconds per 100k rows, this costs what SQLite costs. It runs inside the caller's (EF) transaction on the
/// caller's connection, so the plan, the entitlement writes done through EF and these writes commit or roll back as one.
/// All SQLite-specific SQL of the import lives here (and in <see cref="SqliteImportStaging"/>).
/// </summary>
public sealed class SqliteBulkImport
{
    // AccountStatus values counted as "present" by the planner: Active, PendingCreate, Disabled.
    private const string ActiveStatuses = "1, 3, 4";
    private const int LinkActive = 1;
    // The bulk statements' page cache (64 MB), set in Attach and again after index builds; reset in Detach.
    private const int ApplyCacheKiB = 65536;
    private readonly SqliteConnection connection;
    private readonly SqliteTransaction transaction;
    private readonly int endpointId;
    private readonly int customCount;
    private readonly long minRowsForIndexRebuild;

    private SqliteBulkImport(SqliteConnection connection, SqliteTransaction transaction, int endpointId, int customCount, long minRowsForIndexRebuild)
    {
        this.connection = connection;
        this.transaction = transaction;
        this.endpointId = endpointId;
        this.customCount = customCount;
        this.minRowsForIndexRebuild = minRowsForIndexRebuild;
    }

    /// <summary>Attaches the staging file to an open connection; must run outside a transaction (SQLite's rule for ATTACH).</summary>
    public static void Attach(DbConnection connection, SqliteImportStaging staging)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = $"ATTACH DATABASE $file AS {SqliteImportStaging.Schema}";
        var p = cmd.CreateParameter();
        p.ParameterName = "$file";
        p.Value = staging.File;
        cmd.Parameters.Add(p);
        cmd.ExecuteNonQuery();
        // Bulk work touches far more pages than the 2 MB default cache holds; 64 MB keeps the B-tree inner pages of the
        // link table in memory (reset in Detach, the connection goes back to the pool).
        Exec(connection, null, $"PRAGMA cache_size=-{ApplyCacheKiB};");
    }

    /// <summary>Drops the temp tables and detaches the staging file; outside the transaction, on the same connection.</summary>
    public static void Detach(DbConnection connection)
    {
        Exec(connection, null, "DROP TABLE IF EXISTS temp.imp_emap; DROP TABLE IF EXISTS temp.imp_vmap; DROP TABLE IF EXISTS temp.imp_evmap; DROP TABLE IF EXISTS temp.imp_amap; " +
                               "DROP TABLE IF EXISTS temp.imp_rm; DROP TABLE IF EXISTS temp.imp_lrm; PRAGMA cache_size=-2000;");
        try
        {
            Exec(connection, null, $"DETACH DATABASE {SqliteImportStaging.Schema};");
        }
        catch (SqliteException)
        {
            // not attached (the run failed before); nothing to undo
        }
    }

    /// <param name="minRowsForIndexRebuild">see <see cref="RebuildsIndexes"/>; <see cref="DefaultMinRowsForIndexRebuild"/> unless configured.</param>
    public static SqliteBulkImport For(DbConnection connection, DbTransaction transaction, int endpointId, int accountCustomPropertyCount,
        long minRowsForIndexRebuild = DefaultMinRowsForIndexRebuild) =>
        new((SqliteConnection)connection, (SqliteTransaction)transaction, endpointId, accountCustomPropertyCount, minRowsForIndexRebuild);

    /// <summary>
    /// Compares the staged accounts and links with the endpoint's: what would be added, changed, and removed. The
    /// accounts and links a removal would touch are kept in temp tables for <see cref="ApplyAccounts"/> and
    /// <see cref="ApplyLinks"/>, so the apply removes exactly what the guard counted. Each staged account is matched
    /// with its Accounts row once (<c>imp_amap</c>: staged seq → Accounts.Id); every later step joins by integers.
    /// </summary>
    public BulkAccountPlan Plan(bool deleteLinksOfPresentAccounts, bool deleteLinksOfRemovedAccounts)
    {
        Exec("CREATE TEMP TABLE IF NOT EXISTS imp_emap(type TEXT NOT NULL, eid TEXT NOT NULL, vid INTEGER NOT NULL, PRIMARY KEY(type, eid)) WITHOUT ROWID;" +
             "CREATE TEMP TABLE IF NOT EXISTS imp_vmap(vid INTEGER PRIMARY KEY, type TEXT NOT NULL, eid TEXT NOT NULL, eseq INTEGER);" +
             "CREATE TEMP TABLE IF NOT EXISTS imp_evmap(eseq INTEGER PRIMARY KEY, vid INTEGER NOT NULL);" +
             "CREATE TEMP TABLE IF NOT EXISTS imp_amap(seq INTEGER PRIMARY KEY, id INTEGER NOT NULL UNIQUE, added INTEGER NOT NULL);" +
             "CREATE TEMP TABLE IF NOT EXISTS imp_rm(id INTEGER PRIMARY KEY, account_id TEXT NOT NULL);" +
             "CREATE TEMP TABLE IF NOT EXISTS imp_lrm(aid INTEGER NOT NULL, vid INTEGER NOT NULL, PRIMARY KEY(aid, vid)) WITHOUT ROWID;" +
             "DELETE FROM imp_rm; DELETE FROM imp_lrm; DELETE FROM imp_amap;");
        RebuildEntitlementMap();

        int staged = (int)Scalar("SELECT count(*) FROM stg.acc");
        int matched = Exec("INSERT INTO imp_amap(seq, id, added) SELECT x.seq, a.Id, 0 FROM stg.acc x JOIN Accounts a ON a.EndpointId = $e AND a.AccountId = x.account_id");
        int toAdd = staged - matched;
        int toUpdate = (int)Scalar("SELECT count(*) FROM imp_amap m JOIN Accounts a ON a.Id = m.id JOIN stg.acc x ON x.seq = m.seq WHERE ifnull(a.ContentHash, '') <> x.hash");

        int existing, activeExisting;
        using (var r = Reader($"SELECT count(*), ifnull(sum(Status IN ({ActiveStatuses})), 0) FROM Accounts WHERE EndpointId = $e"))
        {
            r.Read();
            existing = r.GetInt32(0);
            activeExisting = r.GetInt32(1);
        }

        var missing = Exec($"INSERT INTO imp_rm(id, account_id) SELECT a.Id, a.AccountId FROM Accounts a WHERE a.EndpointId = $e AND a.Status IN ({ActiveStatuses}) " +
                           "AND NOT EXISTS (SELECT 1 FROM imp_amap m WHERE m.id = a.Id)");

        // One pass over the endpoint's existing links: kept ones (still read) are counted, vanished ones are removal
        // candidates under the same switches as ReconciliationPlanner (present account → deleteLinksOfPresent; account
        // about to be suspended/inactivated → deleteLinksOfRemoved; otherwise kept).
        long kept = 0, removals = 0;
        using (var insert = Command("INSERT INTO imp_lrm(aid, vid) VALUES($a, $v)", "$a", "$v"))
        using (var r = Reader("SELECT a.Id, l.EntitlementValueId, " +
                              "EXISTS (SELECT 1 FROM stg.lnk k WHERE k.aseq = s.seq AND k.eseq = m.eseq), " +
                              "s.seq IS NOT NULL, " +
                              "EXISTS (SELECT 1 FROM imp_rm rm WHERE rm.id = a.Id) " +
                              "FROM Accounts a JOIN AccountEntitlements l ON l.AccountId = a.Id JOIN imp_vmap m ON m.vid = l.EntitlementValueId " +
                              "LEFT JOIN imp_amap s ON s.id = a.Id WHERE a.EndpointId = $e"))
        {
            while (r.Read())
            {
                if (r.GetInt64(2) != 0)
                {
                    kept++;
                    continue;
                }

                bool remove = r.GetInt64(3) != 0 ? deleteLinksOfPresentAccounts : r.GetInt64(4) != 0 && deleteLinksOfRemovedAccounts;
                if (!remove) continue;
                insert.Parameters[0].Value = r.GetInt64(0);
                insert.Parameters[1].Value = r.GetInt64(1);
                insert.ExecuteNonQuery();
                removals++;
            }
        }

        long stagedLinks = Scalar("SELECT count(*) FROM stg.lnk");
        var added = Pairs("SELECT x.account_id, x.name FROM stg.acc x WHERE NOT EXISTS (SELECT 1 FROM imp_amap m WHERE m.seq = x.seq) ORDER BY x.seq LIMIT 50");
        return new BulkAccountPlan(toAdd, toUpdate, staged - toAdd - toUpdate, existing, activeExisting, missing,
            (int)(stagedLinks - kept), (int)removals,
            added.Select(a => a.Item1).ToList(),
            Strings("SELECT x.account_id FROM imp_amap m JOIN stg.acc x ON x.seq = m.seq JOIN Accounts a ON a.Id = m.id WHERE ifnull(a.ContentHash, '') <> x.hash ORDER BY m.seq LIMIT 50"),
            Strings("SELECT account_id FROM imp_rm ORDER BY id LIMIT 50"))
        {
            SampleAddedNames = added,
        };
    }

    /// <summary>
    /// (Type name, entitlement id) → EntitlementValues.Id of the endpoint, and staged entitlement (stg.ent.seq) ↔
    /// EntitlementValues.Id both ways; rebuilt after EF added values.
    /// </summary>
    public void RebuildEntitlementMap()
    {
        Exec("DELETE FROM imp_emap; DELETE FROM imp_vmap; DELETE FROM imp_evmap;" +
             "INSERT OR IGNORE INTO imp_emap(type, eid, vid) SELECT t.Name, v.EntitlementId, v.Id FROM EntitlementValues v JOIN EntitlementTypes t ON t.Id = v.EntitlementTypeId WHERE v.EndpointId = $e;" +
             "INSERT OR IGNORE INTO imp_vmap(vid, type, eid, eseq) SELECT m.vid, m.type, m.eid, (SELECT min(e.seq) FROM stg.ent e WHERE e.type = m.type AND e.eid = m.eid) FROM imp_emap m;" +
             "INSERT OR IGNORE INTO imp_evmap(eseq, vid) SELECT eseq, vid FROM imp_vmap WHERE eseq IS NOT NULL;");
    }

    /// <param name="IndexesRebuilt">secondary indexes of Accounts dropped before the insert and built again after it (ADR-021)</param>
    public sealed record AccountWrites(long Touched, long Changed, long Inserted, long Removed, int IndexesRebuilt);

    /// <summary>
    /// Writes the staged accounts: unchanged ones (same hash and status) only get LastSeenRunId, changed ones get every
    /// mapped column, new ones are inserted in read order with Ids given here (after the table's highest Id ever, as
    /// AUTOINCREMENT would), so that their links need no lookup; then the missing ones found by <see cref="Plan"/> get
    /// <paramref name="removedStatus"/> when the guard allowed removals (null = none).
    /// </summary>
    public AccountWrites ApplyAccounts(long runId, DateTime now, int? removedStatus)
    {
        var custom = Enumerable.Range(1, customCount).ToList();
        var set = "Name = x.name, DisplayName = x.display_name, Description = x.description, AccountType = x.account_type, " +
                  string.Join(", ", custom.Select(i => $"CustomProperty{i} = x.cp{i}")) +
                  ", ExtraPropertiesJson = x.extra, ContentHash = x.hash, Status = x.status, LastSeenRunId = $run, UpdatedUtc = $now";
        var touched = Exec("UPDATE Accounts SET LastSeenRunId = $run FROM imp_amap m JOIN stg.acc x ON x.seq = m.seq " +
                           "WHERE Accounts.Id = m.id AND Accounts.ContentHash IS x.hash AND Accounts.Status = x.status", runId, now);
        var changed = Exec($"UPDATE Accounts SET {set} FROM imp_amap m JOIN stg.acc x ON x.seq = m.seq " +
                           "WHERE Accounts.Id = m.id AND (Accounts.ContentHash IS NOT x.hash OR Accounts.Status <> x.status)", runId, now);
        var lastId = Scalar("SELECT max(ifnull((SELECT seq FROM sqlite_sequence WHERE name = 'Accounts'), 0), ifnull((SELECT max(Id) FROM Accounts), 0))");
        var newAccounts = Exec($"INSERT INTO imp_amap(seq, id, added) SELECT x.seq, {lastId.ToString(CultureInfo.InvariantCulture)} + row_number() OVER (ORDER BY x.seq), 1 FROM stg.acc x " +
             "WHERE NOT EXISTS (SELECT 1 FROM imp_amap m WHERE m.seq = x.seq) ORDER BY x.seq");
        var rebuilt = DropSecondaryIndexesForBulkInsert("Accounts", newAccounts);
        var inserted = Exec("INSERT INTO Accounts(Id, EndpointId, AccountId, Name, DisplayName, Description, AccountType, " +
                            string.Join(", ", custom.Select(i => $"CustomProperty{i}")) + ", ExtraPropertiesJson, ContentHash, Status, LastSeenRunId, CreatedUtc, UpdatedUtc) " +
                            "SELECT m.id, $e, x.account_id, x.name, x.display_name, x.description, x.account_type, " + string.Join(", ", custom.Select(i => $"x.cp{i}")) +
                            ", x.extra, x.hash, x.status, $run, $now, $now FROM imp_amap m JOIN stg.acc x ON x.seq = m.seq " +
                            // seq order is Id order for the rows this run adds (row_number above), and reads imp_amap
                            // without its Id index
                            "WHERE m.added = 1 ORDER BY m.seq", runId, now);
        CreateIndexes(rebuilt);
        long removed = 0;
        if (removedStatus is { } status)
        {
            removed = Exec($"UPDATE Accounts SET Status = {status.ToString(CultureInfo.InvariantCulture)}, UpdatedUtc = $now WHERE Id IN (SELECT id FROM imp_rm)", runId, now);
        }

        return new AccountWrites(touched, changed, inserted, removed, rebuilt.Count);
    }

    /// <summary>
    /// Owner correlation for the accounts this run inserted or changed that have no owner yet: the caller's rule maps a
    /// column value to a user id (kept in C# so the lookup's case rules stay .NET's, as before).
    /// </summary>
    public long Correlate(long runId, DateTime now, string accountColumn, Func<string?, int?> ownerOf)
    {
        accountColumn = accountColumn.ToLowerInvariant();
        var column = accountColumn switch
        {
            "name" => "Name",
            "accountid" => "AccountId",
            "displayname" => "DisplayName",
            _ when accountColumn.StartsWith("customproperty", StringComparison.Ordinal)
                   && int.TryParse(accountColumn["customproperty".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= customCount => $"CustomProperty{n}",
            _ => null,
        };
        if (column is null) return 0;
        var found = new List<(long Id, int Owner)>();
        using (var r = Reader($"SELECT Id, {column} FROM Accounts WHERE EndpointId = $e AND LastSeenRunId = $run AND UpdatedUtc = $now AND OwnerUserId IS NULL", runId, now))
        {
            while (r.Read())
            {
                if (ownerOf(r.IsDBNull(1) ? null : r.GetString(1)) is { } owner) found.Add((r.GetInt64(0), owner));
            }
        }

        using var update = Command("UPDATE Accounts SET OwnerUserId = $o WHERE Id = $id", "$o", "$id");
        foreach (var (id, owner) in found)
        {
            update.Parameters[0].Value = owner;
            update.Parameters[1].Value = id;
            update.ExecuteNonQuery();
        }

        return found.Count;
    }

    /// <param name="IndexesRebuilt">secondary indexes of AccountEntitlements dropped and built again (ADR-021)</param>
    public sealed record LinkWrites(long Added, long Removed, int IndexesRebuilt);

    /// <summary>
    /// Inserts the staged links the endpoint lacks (in account order, by integer keys: staged seq → Accounts.Id and staged
    /// entitlement → EntitlementValues.Id) and, when allowed, deletes the ones Plan marked.
    /// </summary>
    /// <param name="linksToAdd">the plan's count of staged links the endpoint lacks (<see cref="BulkAccountPlan.LinksToAdd"/>):
    /// the index decision of ADR-021 (the staged count overstated it: a re-import that adds nothing rebuilt the index,
    /// 7.5 s at 5M links)</param>
    public LinkWrites ApplyLinks(DateTime now, bool removeLinks, long linksToAdd)
    {
        var rebuilt = DropSecondaryIndexesForBulkInsert("AccountEntitlements", linksToAdd);
        // Two statements rather than one with `added = 1 OR NOT EXISTS (…)`: an account this run inserted has no links yet
        // (no need to look), and the single statement's OR cost ~2 s per 5M links even when every account was new.
        var insert = $"INSERT INTO AccountEntitlements(AccountId, EntitlementValueId, Status, CreatedUtc) SELECT m.id, v.vid, {LinkActive}, $now FROM ";
        var added = Exec(insert + "stg.lnk k CROSS JOIN imp_amap m ON m.seq = k.aseq CROSS JOIN imp_evmap v ON v.eseq = k.eseq WHERE m.added = 1", 0, now);
        added += Exec(insert + "imp_amap m CROSS JOIN stg.lnk k ON k.aseq = m.seq CROSS JOIN imp_evmap v ON v.eseq = k.eseq " +
                      "WHERE m.added = 0 AND NOT EXISTS (SELECT 1 FROM AccountEntitlements l WHERE l.AccountId = m.id AND l.EntitlementValueId = v.vid)", 0, now);
        CreateIndexes(rebuilt);
        long removed = 0;
        if (removeLinks)
        {
            removed = Exec("DELETE FROM AccountEntitlements WHERE rowid IN (SELECT l.rowid FROM imp_lrm r JOIN AccountEntitlements l ON l.AccountId = r.aid AND l.EntitlementValueId = r.vid)");
        }

        return new LinkWrites(added, removed, rebuilt.Count);
    }

    /// <summary>
    /// Whether inserting <paramref name="inserting"/> rows into a table that holds <paramref name="existing"/> should
    /// drop the table's secondary indexes first and build them again afterwards (ADR-021). Inserting keys in random order
    /// costs a B-tree descent and, once the index outgrows the page cache, page reads and splits per row and index;
    /// CREATE INDEX reads the table once and sorts, which is several times cheaper per row but pays for every row of the
    /// table, not only the new ones. So: only for bulk loads, and only when they at least grow the table by half.
    /// </summary>
    public static bool RebuildsIndexes(long inserting, long existing, long minRows = DefaultMinRowsForIndexRebuild) =>
        inserting > 0 && inserting >= minRows && inserting * 2 >= existing;

    /// <summary>Rows below which the incremental index inserts are cheap enough (and the DDL not worth it).</summary>
    public const long DefaultMinRowsForIndexRebuild = 20_000;

    /// <summary>
    /// Drops <paramref name="table"/>'s own secondary indexes when <see cref="RebuildsIndexes"/> says so and returns their
    /// definitions for <see cref="CreateIndexes"/> (the exact SQL SQLite keeps, so the indexes come back as the migrations
    /// made them). Constraint indexes (primary keys, UNIQUE in the table definition) have no SQL and stay. Runs inside the
    /// import's transaction: a failure or a rollback brings the old indexes back with the old rows, and a UNIQUE index that
    /// cannot be rebuilt (a duplicate slipped in) fails the run like the incremental insert would have.
    /// </summary>
    private List<string> DropSecondaryIndexesForBulkInsert(string table, long inserting)
    {
        // max(rowid) stands in for the row count (one B-tree descent instead of a scan; never less than the count).
        if (!RebuildsIndexes(inserting, Scalar($"SELECT ifnull(max(rowid), 0) FROM main.\"{table}\""), minRowsForIndexRebuild)) return [];
        var definitions = new List<(string Name, string Sql)>();
        using (var r = Reader($"SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND tbl_name = '{table}' AND sql IS NOT NULL ORDER BY name"))
        {
            while (r.Read()) definitions.Add((r.GetString(0), r.GetString(1)));
        }

        foreach (var (name, _) in definitions) Exec($"DROP INDEX main.\"{name}\"");
        return definitions.Select(d => d.Sql).ToList();
    }

    private void CreateIndexes(List<string> definitions)
    {
        if (definitions.Count == 0) return;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        // CREATE INDEX sorts in memory up to the page cache's size before it spills to temporary files; the scan needs
        // no large cache, so a smaller one during the builds keeps the import's memory at its read-phase level.
        Exec("PRAGMA cache_size=-16384");
        foreach (var sql in definitions) Exec(sql);
        Exec($"PRAGMA cache_size=-{ApplyCacheKiB}");
        IndexBuildTime += sw.Elapsed;
    }

    /// <summary>Time spent building indexes again after bulk inserts (ADR-021), for the run log.</summary>
    public TimeSpan IndexBuildTime { get; private set; }

    private long Scalar(string sql)
    {
        using var cmd = Command(sql);
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private List<(string, string)> Pairs(string sql)
    {
        var list = new List<(string, string)>();
        using var r = Reader(sql);
        while (r.Read()) list.Add((r.GetString(0), r.GetString(1)));
        return list;
    }

    private List<string> Strings(string sql)
    {
        var list = new List<string>();
        using var r = Reader(sql);
        while (r.Read()) list.Add(r.GetString(0));
        return list;
    }

    private SqliteDataReader Reader(string sql, long runId = 0, DateTime? now = null)
    {
        var cmd = Command(sql);
        Bind(cmd, runId, now);
        return cmd.ExecuteReader(System.Data.CommandBehavior.Default);
    }

    private int Exec(string sql, long runId = 0, DateTime? now = null)
    {
        using var cmd = Command(sql);
        Bind(cmd, runId, now);
        return cmd.ExecuteNonQuery();
    }

    private void Bind(SqliteCommand cmd, long runId, DateTime? now)
    {
        if (cmd.CommandText.Contains("$e", StringComparison.Ordinal)) cmd.Parameters.AddWithValue("$e", endpointId);
        if (cmd.CommandText.Contains("$run", StringComparison.Ordinal)) cmd.Parameters.AddWithValue("$run", runId);
        if (cmd.CommandText.Contains("$now", StringComparison.Ordinal)) cmd.Parameters.AddWithValue("$now", now ?? throw new ArgumentNullException(nameof(now)));
    }

    private SqliteCommand Command(string sql, params string[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.Transaction = transaction;
        cmd.CommandText = sql;
        cmd.CommandTimeout = 0; // a 1M-account statement may legitimately run for minutes
        foreach (var p in parameters) cmd.Parameters.Add(new SqliteParameter(p, null));
        if (parameters.Length > 0) cmd.Prepare();
        return cmd;
    }

    private static void Exec(DbConnection connection, DbTransaction? tx, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
