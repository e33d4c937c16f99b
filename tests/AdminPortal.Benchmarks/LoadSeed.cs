using System.Globalization;
using Microsoft.Data.Sqlite;

namespace AdminPortal.Benchmarks;

/// <summary>
/// Grows an imported endpoint to the load test's size by SQL, in minutes instead of the real import's tens of minutes on
/// the shared machine: every account of the endpoint (written by a real import) is copied until the endpoint holds the
/// wanted number, each copy with a new random 32-hex-digit target id and its name made unique ("first.last123.7@domain"),
/// every other column (display name, status, custom properties, owner, hash, run stamp) as imported, and the copy gets the
/// same memberships as its source. The triggers and indexes of the real schema see every row (AccountCounts included).
/// </summary>
public static class LoadSeed
{
    public static (long Accounts, long Links) CopyAccounts(string databaseFile, string endpoint, int target)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databaseFile, Pooling = false }.ToString());
        connection.Open();
        Exec(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF; PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY;");
        using var transaction = connection.BeginTransaction();
        var endpointId = Scalar(connection, $"SELECT Id FROM Endpoints WHERE Name = '{endpoint.Replace("'", "''", StringComparison.Ordinal)}'");
        var columns = new List<string>();
        using (var command = connection.CreateCommand())
        {
            // table_info leaves out the generated (search) columns: exactly the columns an INSERT may name.
            command.CommandText = "SELECT name FROM pragma_table_info('Accounts') WHERE name <> 'Id' ORDER BY cid";
            using var reader = command.ExecuteReader();
            while (reader.Read()) columns.Add(reader.GetString(0));
        }

        Exec(connection, $"CREATE TEMP TABLE src AS SELECT row_number() OVER (ORDER BY Id) - 1 AS rn, * FROM Accounts WHERE EndpointId = {endpointId};" +
                         "CREATE UNIQUE INDEX temp.src_rn ON src(rn);" +
                         "CREATE TEMP TABLE srclinks AS SELECT s.rn, l.EntitlementValueId, l.Status, l.CreatedUtc FROM src s JOIN AccountEntitlements l ON l.AccountId = s.Id;" +
                         "CREATE INDEX temp.srclinks_rn ON srclinks(rn, EntitlementValueId);");
        var source = Scalar(connection, "SELECT count(*) FROM src");
        var added = Math.Max(0, target - source);
        if (source == 0 || added == 0) return (source, Scalar(connection, "SELECT count(*) FROM srclinks"));
        var copies = (added + source - 1) / source;
        Exec(connection, $"CREATE TEMP TABLE k(i INTEGER PRIMARY KEY); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {copies}) INSERT INTO k SELECT i FROM n;");
        var first = Scalar(connection, "SELECT ifnull((SELECT seq FROM sqlite_sequence WHERE name = 'Accounts'), 0)") + 1;

        string Value(string column) => column switch
        {
            "AccountId" => "lower(hex(randomblob(16)))",
            "Name" => "CASE WHEN instr(s.Name, '@') > 0 THEN replace(s.Name, '@', '.' || k.i || '@') ELSE s.Name || '.' || k.i END",
            _ => "s." + column,
        };

        var inserted = Exec(connection, $"INSERT INTO Accounts ({string.Join(", ", columns)}) SELECT {string.Join(", ", columns.Select(Value))} " +
                                        $"FROM k JOIN src s WHERE (k.i - 1) * {source} + s.rn < {added} ORDER BY k.i, s.rn");
        var range = Scalar(connection, $"SELECT count(*) FROM Accounts WHERE Id BETWEEN {first} AND {first + added - 1} AND EndpointId = {endpointId}");
        if (inserted != added || range != added) throw new InvalidOperationException($"seed: inserted {inserted}, {range} in the expected id range, expected {added}");
        var links = Exec(connection, "INSERT INTO AccountEntitlements (AccountId, EntitlementValueId, Status, CreatedUtc) " +
                                     $"SELECT {first} + (k.i - 1) * {source} + l.rn, l.EntitlementValueId, l.Status, l.CreatedUtc " +
                                     $"FROM k JOIN srclinks l WHERE (k.i - 1) * {source} + l.rn < {added} ORDER BY k.i, l.rn, l.EntitlementValueId");
        transaction.Commit();
        Exec(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
        return (Scalar(connection, $"SELECT count(*) FROM Accounts WHERE EndpointId = {endpointId}"),
            Scalar(connection, $"SELECT count(*) FROM AccountEntitlements l JOIN Accounts a ON a.Id = l.AccountId WHERE a.EndpointId = {endpointId}"));
    }

    private static long Exec(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        return command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
