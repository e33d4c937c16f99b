using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AdminPortal.Data;

/// <summary>
/// Everything SQLite-specific lives here: the connection string, WAL mode and busy timeout.
/// A SQL Server adapter would be a sibling class registering UseSqlServer instead.
/// </summary>
public static class SqliteAdapter
{
    public static string ConnectionStringFor(string databaseFile) =>
        new SqliteConnectionStringBuilder
        {
            DataSource = databaseFile,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

    public static void Configure(DbContextOptionsBuilder options, string connectionString)
    {
        options.UseSqlite(connectionString);
        options.AddInterceptors(SqlitePragmaInterceptor.Instance);
    }

    /// <summary>
    /// SQLite's own heap (page caches, sorter buffers, temp tables held in memory): in use now, and the highest it
    /// reached since the last call with <paramref name="resetPeak"/> (for an import's per-phase memory log).
    /// </summary>
    public static (long Used, long Peak) NativeMemory(bool resetPeak) =>
        (SQLitePCL.raw.sqlite3_memory_used(), SQLitePCL.raw.sqlite3_memory_highwater(resetPeak ? 1 : 0));

    /// <summary>WAL lets pages keep reading while an import writes; busy_timeout waits for the single writer.</summary>
    public static void ApplyPragmas(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;";
        command.ExecuteNonQuery();
    }

    private sealed class SqlitePragmaInterceptor : DbConnectionInterceptor
    {
        public static readonly SqlitePragmaInterceptor Instance = new();

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) =>
            ApplyPragmas(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            ApplyPragmas(connection);
            return Task.CompletedTask;
        }
    }
}
