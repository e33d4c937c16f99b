using Microsoft.Data.Sqlite;

namespace AdminPortal.Data;

/// <summary>
/// The throw-away SQLite files of an import run (the staging file, the account merge buffer): rebuilt from the target
/// on any failure, so durability is worth nothing there — no journal, no fsync, one connection that holds the file
/// exclusively, a bounded page cache — and deleted when the run ends.
/// </summary>
internal static class ThrowAwaySqlite
{
    public static SqliteConnection Open(string file, int cacheMb)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false, Mode = SqliteOpenMode.ReadWriteCreate }.ToString());
        connection.Open();
        Execute(connection, $"PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE; PRAGMA temp_store=FILE; PRAGMA cache_size=-{cacheMb * 1024};");
        return connection;
    }

    public static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string sql, int parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.Transaction = transaction;
        cmd.CommandText = sql;
        for (var i = 0; i < parameters; i++) cmd.Parameters.Add(new SqliteParameter($"$p{i}", null));
        cmd.Prepare();
        return cmd;
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = transaction;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Deletes the file and any side file SQLite may have left (close the connection first); a failure to delete is ignored.</summary>
    public static void Delete(string file)
    {
        foreach (var f in new[] { file, file + "-journal", file + "-wal", file + "-shm" })
        {
            try { File.Delete(f); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
