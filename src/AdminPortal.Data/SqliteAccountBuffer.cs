using AdminPortal.Core.Connectors.Import;
using Microsoft.Data.Sqlite;

namespace AdminPortal.Data;

/// <summary>
/// The account merge buffer of one import run (several independent account calls merged by accountID, e.g. Confluent
/// users and service accounts): a throw-away SQLite file of its own beside the run's staging file
/// (<c>import-…buffer.db</c>), so the buffer is used on the engine's thread while the staging file stays with its
/// writer thread (ADR-020). Memory stays flat: the records wait in the file (<c>buf</c>: id → columns in
/// <see cref="AccountColumnsEncoding"/>, <c>seq</c> = first-stored order), only a bounded page cache is held. The file
/// is deleted on <see cref="Dispose"/>, whatever the outcome.
/// </summary>
public sealed class SqliteAccountBuffer : IAccountRecordBuffer
{
    private readonly SqliteConnection connection;
    private readonly SqliteTransaction transaction;
    private readonly SqliteCommand find;
    private readonly SqliteCommand store;
    private readonly SqliteCommand readAll;
    private readonly AccountColumnsEncoding encoding = new();
    private bool disposed;

    private SqliteAccountBuffer(string file)
    {
        File = file;
        connection = ThrowAwaySqlite.Open(file, cacheMb: 16);
        ThrowAwaySqlite.Execute(connection, "CREATE TABLE buf(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, value BLOB NOT NULL);");
        transaction = connection.BeginTransaction();
        find = ThrowAwaySqlite.Prepare(connection, transaction, "SELECT value FROM buf WHERE id = $p0", 1);
        store = ThrowAwaySqlite.Prepare(connection, transaction, "INSERT INTO buf(id, value) VALUES($p0, $p1) ON CONFLICT(id) DO UPDATE SET value = excluded.value", 2);
        readAll = ThrowAwaySqlite.Prepare(connection, transaction, "SELECT id, value FROM buf ORDER BY seq", 0);
    }

    /// <summary>The buffer file.</summary>
    public string File { get; }

    /// <summary>Creates the buffer file beside <paramref name="stagingFile"/>, named like it (<c>….staging.db</c> → <c>….buffer.db</c>).</summary>
    public static SqliteAccountBuffer Beside(string stagingFile)
    {
        const string suffix = ".staging.db";
        var stem = stagingFile.EndsWith(suffix, StringComparison.Ordinal) ? stagingFile[..^suffix.Length] : stagingFile;
        return new SqliteAccountBuffer(stem + ".buffer.db");
    }

    public Dictionary<string, string?>? Find(string accountId)
    {
        find.Parameters[0].Value = accountId;
        return find.ExecuteScalar() is byte[] value ? encoding.Decode(value) : null;
    }

    public void Store(string accountId, IReadOnlyDictionary<string, string?> columns)
    {
        store.Parameters[0].Value = accountId;
        store.Parameters[1].Value = encoding.Encode(columns);
        store.ExecuteNonQuery();
    }

    public IEnumerable<(string AccountId, Dictionary<string, string?> Columns)> ReadAll()
    {
        using var r = readAll.ExecuteReader();
        while (r.Read()) yield return (r.GetString(0), encoding.Decode((byte[])r.GetValue(1)));
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        find.Dispose();
        store.Dispose();
        readAll.Dispose();
        transaction.Dispose();
        connection.Dispose();
        ThrowAwaySqlite.Delete(File);
    }
}
