using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace AdminPortal.Data;

/// <summary>One imported account, already mapped onto the Accounts columns (see ColumnMapper in the web project).</summary>
public sealed class StagedAccount
{
    public required string AccountId { get; init; }
    public required string Name { get; init; }
    public string? DisplayName { get; init; }
    public string? Description { get; init; }
    public string? AccountType { get; init; }

    /// <summary>CustomProperty1..N in order (Account.CustomPropertyCount entries).</summary>
    public required string?[] Custom { get; init; }
    public string? ExtraPropertiesJson { get; init; }
    public required string Hash { get; init; }

    /// <summary>The AccountStatus the import gives the account (Active or Inactive).</summary>
    public required int Status { get; init; }
}

/// <summary>What <see cref="SqliteImportStaging.ResolveLinks"/> found (see IDeferredLinkSink in Core for the rules).</summary>
public sealed record StagedLinkResolution(long Linked, long Unresolved, long DroppedDuplicateAccounts, IReadOnlyList<string> DuplicateAccountIds, TimeSpan Duration);

/// <summary>
/// The staging area of one import run: a throw-away SQLite file beside the database that receives every account,
/// entitlement and membership as the connector reads them, so memory stays flat however large the target is. Nothing
/// here touches the portal's database: the run is applied from this file (ATTACHed, see <see cref="SqliteBulkImport"/>)
/// only once the read is proven complete, and the file is deleted when the run ends either way. The accounts that several
/// account calls merge before they are final wait elsewhere, in a file of their own (<see cref="SqliteAccountBuffer"/>):
/// this file's connection belongs to the pipeline's writer thread while records flow (ADR-020).
/// <para>
/// Tables: <c>acc</c> (one row per account read, <c>seq</c> = read order), <c>ent</c> (entitlements, <c>seq</c> = emit
/// order), <c>lnk_raw</c> (memberships with their raw keys: the account's <c>seq</c> when the membership came from the
/// account just staged, else its id or name; the entitlement key as a number of <c>ekey</c>), and, after
/// <see cref="ResolveLinks"/>, <c>lnk(aseq, eseq)</c>: the resolved, distinct links keyed by integers.
/// </para>
/// </summary>
public sealed class SqliteImportStaging : IDisposable
{
    public const string Schema = "stg";
    private const int MaxDuplicateIds = 200;
    private readonly SqliteConnection connection;
    private readonly SqliteTransaction transaction;
    private readonly RawInsert insertAccount;
    private readonly RawInsert insertEntitlement;
    private readonly RawInsert insertLink;
    // Memberships go in LinkBatch rows per statement (a million accounts bring five million; one sqlite3_step and four
    // binds per row cost more than the row); the rest of a batch goes row by row before anything reads lnk_raw.
    private const int LinkBatch = 16;
    private readonly RawInsert insertLinkBatch;
    private readonly (long? Aseq, string? Akey, bool ByName, long Kid)[] pendingLinks = new (long?, string?, bool, long)[LinkBatch];
    private int pendingLinkCount;
    private readonly int customCount;
    // Entitlement keys seen in memberships (a few per entitlement, not per membership): (type, key, by value) → ekey.kid.
    private readonly Dictionary<(string Type, string Key, bool ByValue), long> entitlementKeys = [];
    private string? lastAccountId;
    private bool linksByName;
    private StagedLinkResolution? resolution;
    private bool completed;

    private SqliteImportStaging(string file, int customCount)
    {
        File = file;
        this.customCount = customCount;
        // No journal, no fsync, exclusive; a bounded page cache (16 MB) for the sorts of ResolveLinks.
        connection = ThrowAwaySqlite.Open(file, cacheMb: 16);
        var custom = string.Join(", ", Enumerable.Range(1, customCount).Select(i => $"cp{i}"));
        // No keys while loading: appending is several times faster than inserting into a B-tree in target order, and
        // the engine already drops duplicate accounts and links. The unique indexes are built (sorted) in Complete(),
        // which also proves that assumption: a duplicate fails the run before anything is applied (for an empty
        // endpoint the Accounts and AccountEntitlements keys do, inside the transaction that is then rolled back).
        Execute($"CREATE TABLE acc(seq INTEGER PRIMARY KEY, account_id TEXT NOT NULL, name TEXT NOT NULL, display_name TEXT, description TEXT, account_type TEXT, {custom}, extra TEXT, hash TEXT NOT NULL, status INTEGER NOT NULL);" +
                "CREATE TABLE ent(seq INTEGER PRIMARY KEY, type TEXT NOT NULL, eid TEXT NOT NULL, value TEXT NOT NULL);" +
                "CREATE TABLE lnk_raw(aseq INTEGER, akey TEXT, by_name INTEGER NOT NULL, kid INTEGER NOT NULL);");
        transaction = connection.BeginTransaction();
        var parameters = string.Join(", ", Enumerable.Range(0, customCount + 9).Select(i => $"$p{i}"));
        insertAccount = new RawInsert(connection, $"INSERT INTO acc(seq, account_id, name, display_name, description, account_type, {custom}, extra, hash, status) VALUES({parameters})");
        insertEntitlement = new RawInsert(connection, "INSERT INTO ent(type, eid, value) VALUES($p0, $p1, $p2)");
        insertLink = new RawInsert(connection, "INSERT INTO lnk_raw(aseq, akey, by_name, kid) VALUES($p0, $p1, $p2, $p3)");
        insertLinkBatch = new RawInsert(connection, "INSERT INTO lnk_raw(aseq, akey, by_name, kid) VALUES " +
            string.Join(", ", Enumerable.Range(0, LinkBatch).Select(i => $"($p{4 * i}, $p{4 * i + 1}, $p{4 * i + 2}, $p{4 * i + 3})")));
    }

    /// <summary>The staging file (ATTACHed by the apply step).</summary>
    public string File { get; }

    public long Accounts { get; private set; }

    /// <summary>Memberships received so far; after <see cref="ResolveLinks"/>, the distinct resolved links.</summary>
    public long Links { get; private set; }

    public long Entitlements { get; private set; }

    /// <summary>Creates the staging file beside <paramref name="mainConnection"/>'s database (or in the temp folder for an in-memory one).</summary>
    public static SqliteImportStaging Create(DbConnection mainConnection, long runId, int accountCustomPropertyCount)
    {
        var source = (mainConnection as SqliteConnection)?.DataSource;
        var folder = string.IsNullOrEmpty(source) || source == ":memory:" || source.StartsWith("file:", StringComparison.OrdinalIgnoreCase)
            ? Path.GetTempPath()
            : Path.GetDirectoryName(Path.GetFullPath(source))!;
        var file = Path.Combine(folder, $"import-{runId}-{Guid.NewGuid():N}.staging.db");
        return new SqliteImportStaging(file, accountCustomPropertyCount);
    }

    public void AddAccount(StagedAccount a)
    {
        if (a.Custom.Length != customCount) throw new ArgumentException($"expected {customCount} custom properties, got {a.Custom.Length}", nameof(a));
        if (resolution is not null) throw new InvalidOperationException("the links were already resolved");
        var p = insertAccount;
        p.Integer(0, Accounts + 1); // seq: read order, so a membership of the account just read can name it by number
        p.Text(1, a.AccountId);
        p.Text(2, a.Name);
        p.Text(3, a.DisplayName);
        p.Text(4, a.Description);
        p.Text(5, a.AccountType);
        for (var i = 0; i < customCount; i++) p.Text(6 + i, a.Custom[i]);
        p.Text(6 + customCount, a.ExtraPropertiesJson);
        p.Text(7 + customCount, a.Hash);
        p.Integer(8 + customCount, a.Status);
        p.Execute();
        Accounts++;
        lastAccountId = a.AccountId;
    }

    /// <summary>An entitlement as emitted (value already defaulted to the id by the engine).</summary>
    public void AddEntitlement(string type, string entitlementId, string value)
    {
        insertEntitlement.Text(0, type);
        insertEntitlement.Text(1, entitlementId);
        insertEntitlement.Text(2, value);
        insertEntitlement.Execute();
        Entitlements++;
    }

    /// <summary>
    /// A membership with its keys as read. A membership keyed by the accountID of the account staged last (one read
    /// from that account's own record) is stored with that account's number, so it needs no lookup by text later.
    /// </summary>
    public void AddLink(string accountKey, bool accountKeyIsName, string type, string entitlementKey, bool entitlementKeyIsValue)
    {
        if (resolution is not null) throw new InvalidOperationException("the links were already resolved");
        if (!entitlementKeys.TryGetValue((type, entitlementKey, entitlementKeyIsValue), out var kid))
        {
            kid = entitlementKeys.Count + 1;
            entitlementKeys[(type, entitlementKey, entitlementKeyIsValue)] = kid;
        }

        pendingLinks[pendingLinkCount++] = !accountKeyIsName && string.Equals(accountKey, lastAccountId, StringComparison.Ordinal)
            ? (Accounts, null, false, kid)
            : (null, accountKey, accountKeyIsName, kid);
        linksByName |= accountKeyIsName;
        Links++;
        if (pendingLinkCount == LinkBatch) WritePendingLinks();
    }

    private void WritePendingLinks()
    {
        var full = pendingLinkCount == LinkBatch;
        for (var i = 0; i < pendingLinkCount; i++)
        {
            var (p, at) = full ? (insertLinkBatch, 4 * i) : (insertLink, 0);
            var (aseq, akey, byName, kid) = pendingLinks[i];
            if (aseq is { } seq) p.Integer(at, seq);
            else p.Null(at);
            p.Text(at + 1, akey);
            p.Integer(at + 2, byName ? 1 : 0);
            p.Integer(at + 3, kid);
            if (!full) p.Execute();
        }

        if (full) insertLinkBatch.Execute();
        Array.Clear(pendingLinks);
        pendingLinkCount = 0;
    }

    /// <summary>
    /// Ends the read: drops later copies of a repeated account (the first one read stays, as the engine does when it
    /// checks itself), resolves every membership against the staged accounts and entitlements with joins, and keeps
    /// the distinct links in <c>lnk(aseq, eseq)</c>. Called once; later calls return the first result.
    /// </summary>
    public StagedLinkResolution ResolveLinks()
    {
        if (resolution is not null) return resolution;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        WritePendingLinks();
        // Accounts: one sort of the ids (the plan's lookups use it too), then the repeated ones.
        Execute("CREATE INDEX acc_id ON acc(account_id);" +
                "CREATE TABLE acc_dup(old INTEGER PRIMARY KEY, keep INTEGER NOT NULL);" +
                "INSERT INTO acc_dup(old, keep) SELECT a.seq, k.keep FROM (SELECT account_id, min(seq) AS keep FROM acc GROUP BY account_id HAVING count(*) > 1) k " +
                "JOIN acc a ON a.account_id = k.account_id AND a.seq <> k.keep;", transaction);
        var dropped = Scalar("SELECT count(*) FROM acc_dup");
        var duplicateIds = new List<string>();
        if (dropped > 0)
        {
            using (var cmd = Command($"SELECT a.account_id FROM acc_dup d JOIN acc a ON a.seq = d.old ORDER BY d.old LIMIT {MaxDuplicateIds}"))
            using (var r = cmd.ExecuteReader())
            {
                while (r.Read()) duplicateIds.Add(r.GetString(0));
            }

            Execute("UPDATE lnk_raw SET aseq = (SELECT keep FROM acc_dup WHERE old = lnk_raw.aseq) WHERE aseq IN (SELECT old FROM acc_dup);" +
                    "DELETE FROM acc WHERE seq IN (SELECT old FROM acc_dup);", transaction);
            Accounts -= dropped;
        }

        // Entitlement keys: a handful per entitlement, resolved against the staged entitlements (first emitted wins).
        Execute("CREATE TABLE ekey(kid INTEGER PRIMARY KEY, type TEXT NOT NULL, key TEXT NOT NULL, by_value INTEGER NOT NULL, eseq INTEGER);" +
                "CREATE INDEX ent_id ON ent(type, eid, seq); CREATE INDEX ent_value ON ent(type, value, seq);", transaction);
        using (var insert = Command("INSERT INTO ekey(kid, type, key, by_value) VALUES($p0, $p1, $p2, $p3)"))
        {
            for (var i = 0; i < 4; i++) insert.Parameters.Add(new SqliteParameter($"$p{i}", null));
            foreach (var ((type, key, byValue), kid) in entitlementKeys)
            {
                insert.Parameters[0].Value = kid;
                insert.Parameters[1].Value = type;
                insert.Parameters[2].Value = key;
                insert.Parameters[3].Value = byValue ? 1 : 0;
                insert.ExecuteNonQuery();
            }
        }

        Execute("UPDATE ekey SET eseq = CASE by_value WHEN 0 THEN (SELECT min(e.seq) FROM ent e WHERE e.type = ekey.type AND e.eid = ekey.key) " +
                "ELSE (SELECT min(e.seq) FROM ent e WHERE e.type = ekey.type AND e.value = ekey.key) END;", transaction);

        // Accounts named by text (memberships listed on entitlements, link calls): by accountID, or the first account read with that name.
        if (linksByName) Execute("CREATE INDEX acc_name ON acc(name, seq);", transaction);
        Execute("UPDATE lnk_raw SET aseq = CASE by_name WHEN 0 THEN (SELECT a.seq FROM acc a WHERE a.account_id = lnk_raw.akey) " +
                "ELSE (SELECT min(a.seq) FROM acc a WHERE a.name = lnk_raw.akey) END WHERE aseq IS NULL;", transaction);

        // every kid is in ekey: a membership is unresolved when its account or its entitlement was not found (one scan
        // with a small IN list; the join to ekey per row took 2.2 s for 5M memberships, this 0.6 s)
        var unresolved = Scalar("SELECT count(*) FROM lnk_raw WHERE aseq IS NULL OR kid IN (SELECT kid FROM ekey WHERE eseq IS NULL)");
        Execute("CREATE TABLE lnk(aseq INTEGER NOT NULL, eseq INTEGER NOT NULL, PRIMARY KEY(aseq, eseq)) WITHOUT ROWID;", transaction);
        using (var cmd = Command("INSERT OR IGNORE INTO lnk(aseq, eseq) SELECT r.aseq, k.eseq FROM lnk_raw r CROSS JOIN ekey k ON k.kid = r.kid WHERE r.aseq IS NOT NULL AND k.eseq IS NOT NULL"))
        {
            Links = cmd.ExecuteNonQuery();
        }

        entitlementKeys.Clear();
        resolution = new StagedLinkResolution(Links, unresolved, dropped, duplicateIds, sw.Elapsed);
        return resolution;
    }

    /// <summary>What <see cref="ResolveLinks"/> found, once it ran.</summary>
    public StagedLinkResolution? Resolution => resolution;

    /// <summary>
    /// Ends loading (resolving the links first if that has not happened) and closes the file so the apply connection can
    /// attach it. The lookups the plan needs (<c>acc(account_id)</c>, <c>lnk</c>'s key) exist by then.
    /// </summary>
    public void Complete()
    {
        if (completed) return;
        ResolveLinks();
        transaction.Commit();
        // Back to shared locking so that the apply connection can attach and read the file.
        Execute("PRAGMA locking_mode=NORMAL; SELECT count(*) FROM acc;");
        insertAccount.Dispose();
        insertEntitlement.Dispose();
        insertLink.Dispose();
        insertLinkBatch.Dispose();
        connection.Close();
        completed = true;
    }

    public void Dispose()
    {
        insertAccount.Dispose();
        insertEntitlement.Dispose();
        insertLink.Dispose();
        insertLinkBatch.Dispose();
        transaction.Dispose();
        connection.Dispose();
        ThrowAwaySqlite.Delete(File);
    }

    private SqliteCommand Command(string sql)
    {
        var cmd = connection.CreateCommand();
        cmd.Transaction = transaction;
        cmd.CommandText = sql;
        cmd.CommandTimeout = 0;
        return cmd;
    }

    private long Scalar(string sql)
    {
        using var cmd = Command(sql);
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private void Execute(string sql, SqliteTransaction? tx = null) => ThrowAwaySqlite.Execute(connection, sql, tx);
}
