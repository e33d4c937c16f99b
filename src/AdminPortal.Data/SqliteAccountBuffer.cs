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
    // A Bloom filter of the stored ids (fixed 1 MB, ~2 % false positives at 1M ids): most lookups are for new ids
    // (Confluent's users and service accounts do not overlap), and this answers them without a B-tree search.
    private readonly ulong[] seen = new ulong[1 << 17];
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
        if (!MaySee(accountId, add: false)) return null;
        find.Parameters[0].Value = accountId;
        return find.ExecuteScalar() is byte[] value ? encoding.Decode(value) : null;
    }

    public void Store(string accountId, IReadOnlyDictionary<string, string?> columns)
    {
        MaySee(accountId, add: true);
        store.Parameters[0].Value = accountId;
        store.Parameters[1].Value = encoding.Encode(columns);
        store.ExecuteNonQuery();
    }

    public IEnumerable<(string AccountId, Dictionary<string, string?> Columns)> ReadAll()
    {
        using var r = readAll.ExecuteReader();
        while (r.Read()) yield return (r.GetString(0), encoding.Decode((byte[])r.GetValue(1)));
    }

    /// <summary>Whether <paramref name="id"/> may have been stored (false: certainly not); with <paramref name="add"/>, marks it stored.</summary>
    private bool MaySee(string id, bool add)
    {
        // four bit positions by double hashing of a 64-bit mix of the string's hash (splitmix64's finalizer)
        var x = (ulong)(uint)id.GetHashCode() * 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        x ^= x >> 31;
        uint a = (uint)x, b = (uint)(x >> 32) | 1;
        var all = true;
        for (var i = 0u; i < 4; i++)
        {
            var bit = (a + i * b) & ((uint)seen.Length * 64 - 1);
            ref var word = ref seen[bit >> 6];
            var mask = 1UL << (int)(bit & 63);
            all &= (word & mask) != 0;
            if (add) word |= mask;
        }

        return all;
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
