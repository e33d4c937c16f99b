using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AdminPortal.Data;

/// <summary>
/// How long a statement waits for SQLite's single writer before it fails with "database is locked" (seconds).
/// Requests keep the short wait (a person is waiting; an error beats a hung page). Background work (WSRETRY, the import
/// runner, the watchdog, token-use stamps) waits much longer: an import's apply is one all-or-nothing transaction that
/// holds the writer for minutes at a million accounts, and a background writer has nobody waiting on it (ADR-018).
/// </summary>
public sealed record SqliteWaits(int RequestSeconds = 30, int BackgroundSeconds = 900)
{
    public static readonly SqliteWaits Default = new();
}

/// <summary>
/// Everything SQLite-specific lives here: the connection string, WAL mode and busy timeouts.
/// A SQL Server adapter would be a sibling class registering UseSqlServer instead.
/// </summary>
public static class SqliteAdapter
{
    private static readonly AsyncLocal<bool> Background = new();

    public static string ConnectionStringFor(string databaseFile) =>
        new SqliteConnectionStringBuilder
        {
            DataSource = databaseFile,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

    public static void Configure(DbContextOptionsBuilder options, string connectionString, SqliteWaits? waits = null)
    {
        options.UseSqlite(connectionString);
        // one interceptor instance for the usual settings (EF keys its internal service providers on the options)
        options.AddInterceptors(waits is null || waits == SqliteWaits.Default ? SqlitePragmaInterceptor.Default : new SqlitePragmaInterceptor(waits));
    }

    /// <summary>
    /// Marks the calling flow (and everything it awaits or starts) as background work: connections it opens wait
    /// <see cref="SqliteWaits.BackgroundSeconds"/> for the writer. Flows with the ExecutionContext, so the hosted services
    /// set it once at the top of their loop and the services they call need no change.
    /// </summary>
    public static IDisposable BackgroundWork()
    {
        var before = Background.Value;
        Background.Value = true;
        return new Restore(before);
    }

    public static bool InBackgroundWork => Background.Value;

    /// <summary>SQLITE_BUSY or SQLITE_LOCKED anywhere in the chain (EF wraps it in DbUpdateException): the writer stayed busy past the wait.</summary>
    public static bool IsBusy(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is SqliteException { SqliteErrorCode: 5 or 6 }) return true;
        return false;
    }

    /// <summary>
    /// SQLite's own heap (page caches, sorter buffers, temp tables held in memory): in use now, and the highest it
    /// reached since the last call with <paramref name="resetPeak"/> (for an import's per-phase memory log).
    /// </summary>
    public static (long Used, long Peak) NativeMemory(bool resetPeak) =>
        (SQLitePCL.raw.sqlite3_memory_used(), SQLitePCL.raw.sqlite3_memory_highwater(resetPeak ? 1 : 0));

    /// <summary>WAL lets pages keep reading while an import writes; busy_timeout waits for the single writer.</summary>
    public static void ApplyPragmas(DbConnection connection, int busyTimeoutSeconds = 30)
    {
        // Microsoft.Data.Sqlite also retries a busy statement until the command timeout, which commands take from DefaultTimeout.
        if (connection is SqliteConnection sqlite) sqlite.DefaultTimeout = busyTimeoutSeconds;
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA journal_mode=WAL; PRAGMA busy_timeout={busyTimeoutSeconds * 1000L}; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;";
        command.ExecuteNonQuery();
    }

    private sealed class Restore(bool before) : IDisposable
    {
        public void Dispose() => Background.Value = before;
    }

    private sealed class SqlitePragmaInterceptor(SqliteWaits waits) : DbConnectionInterceptor
    {
        public static readonly SqlitePragmaInterceptor Default = new(SqliteWaits.Default);

        private int Seconds => Background.Value ? waits.BackgroundSeconds : waits.RequestSeconds;

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) =>
            ApplyPragmas(connection, Seconds);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            ApplyPragmas(connection, Seconds);
            return Task.CompletedTask;
        }
    }
}
