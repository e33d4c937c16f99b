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

/// <summary>
/// The staging area of one import run: a throw-away SQLite file beside the database that receives every account and
/// link as the connector reads them, so memory stays flat however large the target is. Nothing here touches the
/// portal's database: the run is applied from this file (ATTACHed, see <see cref="SqliteBulkImport"/>) only once the
/// read is proven complete, and the file is deleted when the run ends either way.
/// </summary>
public sealed class SqliteImportStaging : IDisposable
{
    public const string Schema = "stg";
    private readonly SqliteConnection connection;
    private readonly SqliteTransaction transaction;
    private readonly SqliteCommand insertAccount;
    private readonly SqliteCommand insertLink;
    private readonly int customCount;
    private bool completed;

    private SqliteImportStaging(string file, int customCount)
    {
        File = file;
        this.customCount = customCount;
        connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false, Mode = SqliteOpenMode.ReadWriteCreate }.ToString());
        connection.Open();
        // The file is rebuilt from the target on any failure, so durability is worth nothing here: no journal, no fsync.
        Execute("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE; PRAGMA temp_store=FILE;");
        var custom = string.Join(", ", Enumerable.Range(1, customCount).Select(i => $"cp{i}"));
        // No keys while loading: appending is several times faster than inserting into a B-tree in target order, and
        // the engine already drops duplicate accounts and links. The unique indexes are built (sorted) in Complete(),
        // which also proves that assumption: a duplicate fails the run before anything is applied (for an empty
        // endpoint the Accounts and AccountEntitlements keys do, inside the transaction that is then rolled back).
        Execute($"CREATE TABLE acc(seq INTEGER PRIMARY KEY, account_id TEXT NOT NULL, name TEXT NOT NULL, display_name TEXT, description TEXT, account_type TEXT, {custom}, extra TEXT, hash TEXT NOT NULL, status INTEGER NOT NULL);" +
                "CREATE TABLE lnk(account_id TEXT NOT NULL, type TEXT NOT NULL, eid TEXT NOT NULL);");
        transaction = connection.BeginTransaction();
        var parameters = string.Join(", ", Enumerable.Range(0, customCount + 8).Select(i => $"$p{i}"));
        insertAccount = Prepare($"INSERT INTO acc(account_id, name, display_name, description, account_type, {custom}, extra, hash, status) VALUES({parameters})", customCount + 8);
        insertLink = Prepare("INSERT INTO lnk(account_id, type, eid) VALUES($p0, $p1, $p2)", 3);
    }

    /// <summary>The staging file (ATTACHed by the apply step).</summary>
    public string File { get; }

    public long Accounts { get; private set; }
    public long Links { get; private set; }

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
        var p = insertAccount.Parameters;
        p[0].Value = a.AccountId;
        p[1].Value = a.Name;
        p[2].Value = (object?)a.DisplayName ?? DBNull.Value;
        p[3].Value = (object?)a.Description ?? DBNull.Value;
        p[4].Value = (object?)a.AccountType ?? DBNull.Value;
        for (var i = 0; i < customCount; i++) p[5 + i].Value = (object?)a.Custom[i] ?? DBNull.Value;
        p[5 + customCount].Value = (object?)a.ExtraPropertiesJson ?? DBNull.Value;
        p[6 + customCount].Value = a.Hash;
        p[7 + customCount].Value = a.Status;
        insertAccount.ExecuteNonQuery();
        Accounts++;
    }

    public void AddLink(string accountId, string type, string entitlementId)
    {
        var p = insertLink.Parameters;
        p[0].Value = accountId;
        p[1].Value = type;
        p[2].Value = entitlementId;
        insertLink.ExecuteNonQuery();
        Links++;
    }

    /// <summary>
    /// Ends loading and closes the file so the apply connection can attach it. <paramref name="indexed"/>: build the
    /// lookup indexes the plan needs to compare with existing rows; an endpoint without accounts needs none (every
    /// join then starts from the staging side), and the portal's own unique keys still refuse a duplicate at apply time.
    /// </summary>
    public void Complete(bool indexed = true)
    {
        if (completed) return;
        if (indexed) Execute("CREATE UNIQUE INDEX acc_id ON acc(account_id); CREATE UNIQUE INDEX lnk_key ON lnk(account_id, type, eid);", transaction);
        transaction.Commit();
        // Back to shared locking so that the apply connection can attach and read the file.
        Execute("PRAGMA locking_mode=NORMAL; SELECT count(*) FROM acc;");
        insertAccount.Dispose();
        insertLink.Dispose();
        connection.Close();
        completed = true;
    }

    public void Dispose()
    {
        insertAccount.Dispose();
        insertLink.Dispose();
        transaction.Dispose();
        connection.Dispose();
        foreach (var f in new[] { File, File + "-journal", File + "-wal", File + "-shm" })
        {
            try { System.IO.File.Delete(f); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private SqliteCommand Prepare(string sql, int parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.Transaction = transaction;
        cmd.CommandText = sql;
        for (var i = 0; i < parameters; i++) cmd.Parameters.Add(new SqliteParameter($"$p{i}", null));
        cmd.Prepare();
        return cmd;
    }

    private void Execute(string sql, SqliteTransaction? tx = null)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
