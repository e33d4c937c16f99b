using System.Text;
using AdminPortal.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AdminPortal.Web.Tests.Schema;

public class SchemaTests
{
    [Fact]
    public async Task Migrate_ProducesTheSameSchemaAsEnsureCreated()
    {
        using var folder = new TempFolder();
        // Triggers are written by the hand-written migrations only (EF's model has no SQL for them), so this
        // comparison leaves them out; the snapshot below includes them.
        var migrated = await DumpAsync(Path.Combine(folder.Path, "migrated.db"), db => db.Database.MigrateAsync(), includeTriggers: false);
        var created = await DumpAsync(Path.Combine(folder.Path, "created.db"), async db => await db.Database.EnsureCreatedAsync(), includeTriggers: false);

        Assert.Equal(created, migrated);
    }

    [Fact]
    public async Task SchemaSnapshot_IsUpToDate()
    {
        using var folder = new TempFolder();
        var migrated = await DumpAsync(Path.Combine(folder.Path, "migrated.db"), db => db.Database.MigrateAsync(), includeTriggers: true);
        var snapshotPath = Path.Combine(RepositoryRoot(), "database", "schema.sql");
        var current = File.Exists(snapshotPath) ? await File.ReadAllTextAsync(snapshotPath) : "";
        if (current != migrated)
        {
            // Regenerate so the developer can review and commit it; CI (a clean clone) then passes.
            await File.WriteAllTextAsync(snapshotPath, migrated);
        }

        Assert.True(current == migrated, $"database/schema.sql was out of date and has been regenerated at {snapshotPath}; review and commit it.");
    }

    /// <summary>
    /// A provider-level dump, independent of table and column order: columns (generated ones marked), indexes,
    /// foreign keys and, when asked, triggers with their SQL.
    /// </summary>
    private static async Task<string> DumpAsync(string file, Func<AdminPortalDbContext, Task> create, bool includeTriggers)
    {
        var connectionString = SqliteAdapter.ConnectionStringFor(file);
        var options = new DbContextOptionsBuilder<AdminPortalDbContext>();
        SqliteAdapter.Configure(options, connectionString);
        options.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
        await using (var db = new AdminPortalDbContext(options.Options))
        {
            await create(db);
        }

        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        var sb = new StringBuilder("-- AdminPortal schema, written by SchemaTests from the migrated database. Do not edit.\n");
        var tables = await QueryAsync(connection, "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND substr(name, 1, 4) <> '__EF' ORDER BY name", r => r.GetString(0));
        foreach (var table in tables)
        {
            sb.Append("\nTABLE ").Append(table).Append('\n');
            // table_xinfo also lists generated columns: hidden 2 = VIRTUAL, 3 = STORED.
            var columns = await QueryAsync(connection, $"PRAGMA table_xinfo(\"{table}\")",
                r => $"  {r.GetString(1)}{(r.GetString(2).Length == 0 ? "" : " " + r.GetString(2))}{(r.GetInt32(3) == 1 ? " NOT NULL" : "")}{(r.GetInt32(5) > 0 ? $" PK{r.GetInt32(5)}" : "")}{(r.IsDBNull(4) ? "" : " DEFAULT " + r.GetString(4))}" +
                     (r.GetInt32(6) switch { 2 => " GENERATED VIRTUAL", 3 => " GENERATED STORED", _ => "" }));
            foreach (var c in columns.Order(StringComparer.Ordinal)) sb.Append(c).Append('\n');
            var autoincrement = await QueryAsync(connection, $"SELECT sql FROM sqlite_master WHERE name='{table}'", r => r.GetString(0));
            if (autoincrement.Single().Contains("AUTOINCREMENT", StringComparison.Ordinal)) sb.Append("  (autoincrement)\n");
            var indexes = await QueryAsync(connection, $"PRAGMA index_list(\"{table}\")", r => (Name: r.GetString(1), Unique: r.GetInt32(2) == 1));
            foreach (var index in indexes.Where(i => !i.Name.StartsWith("sqlite_autoindex", StringComparison.Ordinal)).OrderBy(i => i.Name, StringComparer.Ordinal))
            {
                var cols = await QueryAsync(connection, $"PRAGMA index_info(\"{index.Name}\")", r => r.GetString(2));
                sb.Append($"  INDEX {index.Name}{(index.Unique ? " UNIQUE" : "")} ({string.Join(", ", cols)})\n");
            }

            var fks = await QueryAsync(connection, $"PRAGMA foreign_key_list(\"{table}\")", r => $"  FK {r.GetString(3)} -> {r.GetString(2)}.{r.GetString(4)} ON DELETE {r.GetString(6)}");
            foreach (var fk in fks.Order(StringComparer.Ordinal)) sb.Append(fk).Append('\n');
        }

        if (includeTriggers)
        {
            var triggers = await QueryAsync(connection, "SELECT name, sql FROM sqlite_master WHERE type='trigger' ORDER BY name", r => $"\nTRIGGER {r.GetString(0)}\n{r.GetString(1).Trim()}\n");
            foreach (var trigger in triggers) sb.Append(trigger);
        }

        SqliteConnection.ClearPool(connection);
        return sb.ToString();
    }

    private static async Task<List<T>> QueryAsync<T>(SqliteConnection connection, string sql, Func<SqliteDataReader, T> read)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var list = new List<T>();
        while (await reader.ReadAsync()) list.Add(read(reader));
        return list;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AdminPortal.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("AdminPortal.sln not found above the test folder.");
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("adminportal-schema-").FullName;

        public void Dispose()
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(Path, recursive: true);
        }
    }
}
