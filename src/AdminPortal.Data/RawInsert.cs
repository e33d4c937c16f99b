using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace AdminPortal.Data;

/// <summary>
/// A prepared INSERT bound by parameter position through SQLite's own API, for the import's staging file, which takes
/// millions of rows per run. Microsoft.Data.Sqlite looks every parameter up by name on every execution
/// (<c>sqlite3_bind_parameter_index</c> plus a UTF-8 copy of the name): with the 54 columns of a staged account that
/// lookup cost more than the insert itself (ADR-021's profile). Runs on the connection's current transaction.
/// </summary>
internal sealed class RawInsert : IDisposable
{
    private readonly sqlite3 db;
    private sqlite3_stmt? statement;

    public RawInsert(SqliteConnection connection, string sql)
    {
        db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        Check(raw.sqlite3_prepare_v2(db, sql, out var stmt));
        statement = stmt;
    }

    /// <summary>Binds a text value (null → NULL) at <paramref name="index"/> (0-based).</summary>
    public void Text(int index, string? value) =>
        Check(value is null ? raw.sqlite3_bind_null(Stmt, index + 1) : raw.sqlite3_bind_text(Stmt, index + 1, value));

    public void Integer(int index, long value) => Check(raw.sqlite3_bind_int64(Stmt, index + 1, value));

    public void Null(int index) => Check(raw.sqlite3_bind_null(Stmt, index + 1));

    /// <summary>Runs the insert with the values bound so far and resets the statement (bindings stay until re-bound).</summary>
    public void Execute()
    {
        var rc = raw.sqlite3_step(Stmt);
        raw.sqlite3_reset(Stmt);
        if (rc != raw.SQLITE_DONE) Check(rc);
    }

    public void Dispose()
    {
        statement?.Dispose();
        statement = null;
    }

    private sqlite3_stmt Stmt => statement ?? throw new ObjectDisposedException(nameof(RawInsert));

    private void Check(int rc)
    {
        if (rc is raw.SQLITE_OK or raw.SQLITE_DONE or raw.SQLITE_ROW) return;
        throw new SqliteException($"SQLite Error {rc}: '{raw.sqlite3_errmsg(db).utf8_to_string()}'.", rc, raw.sqlite3_extended_errcode(db));
    }
}
