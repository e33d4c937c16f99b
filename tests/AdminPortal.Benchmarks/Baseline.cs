using System.Net.Http.Headers;
using Microsoft.Data.Sqlite;
using Newtonsoft.Json;

namespace AdminPortal.Benchmarks;

/// <summary>
/// The practical floor of this machine (issue [6/7]): download the same pages the portal downloaded, over
/// the same loopback HTTP, stream-parse them, and bulk-insert the same rows (accounts, entitlement values,
/// links) into an empty SQLite file with prepared statements in one transaction. No mapping language,
/// no staging, no reconciliation — only what any importer must do.
/// </summary>
public static class Baseline
{
    public sealed record Result(long Accounts, long Entitlements, long Links);

    /// <summary>The response shape: SCIM (SAP BTP: "resources", userName, groups) or Confluent ("data", full_name/display_name, no memberships in the package).</summary>
    public enum Shape { Scim, Confluent }

    /// <summary>The pages that hold accounts, entitlements, or neither (token calls, …).</summary>
    public static string? KindOf(Shape shape, string url)
    {
        var path = new Uri(url).AbsolutePath;
        return shape switch
        {
            Shape.Scim => path == "/Users" ? "accounts" : path == "/Groups" ? "entitlements" : null,
            _ => path is "/iam/v2/users" or "/iam/v2/service-accounts" ? "accounts" : path is "/org/v2/organizations" or "/org/v2/environments" ? "entitlements" : null,
        };
    }

    /// <summary>One page as any reader asks for it: GET with the Authorization header, JSON accepted, headers first.</summary>
    private static async Task<HttpResponseMessage> GetPageAsync(HttpClient http, string authorization, string url, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        return response;
    }

    /// <summary>The same requests, the bodies read and discarded: what the simulator and loopback HTTP cost alone.</summary>
    public static async Task<long> DownloadAsync(HttpClient http, string authorization, IReadOnlyList<string> urls, CancellationToken ct = default)
    {
        var buffer = new byte[81920];
        long total = 0;
        foreach (var url in urls)
        {
            using var response = await GetPageAsync(http, authorization, url, ct);
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            for (int n; (n = await stream.ReadAsync(buffer, ct)) > 0;) total += n;
        }

        return total;
    }

    public static async Task<Result> RunAsync(HttpClient http, string authorization, IReadOnlyList<string> urls, string databaseFile, Shape shape = Shape.Scim, CancellationToken ct = default)
    {
        if (File.Exists(databaseFile)) File.Delete(databaseFile);
        await using var db = new SqliteConnection($"Data Source={databaseFile};Pooling=False");
        await db.OpenAsync(ct);
        await Exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
        await Exec(db, "CREATE TABLE accounts(id INTEGER PRIMARY KEY, account_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, email TEXT, active TEXT);" +
                       "CREATE TABLE entitlements(id INTEGER PRIMARY KEY, entitlement_id TEXT NOT NULL UNIQUE, description TEXT);" +
                       "CREATE TABLE links(account_id TEXT NOT NULL, entitlement_id TEXT NOT NULL, PRIMARY KEY(account_id, entitlement_id));");
        await using var tx = (SqliteTransaction)await db.BeginTransactionAsync(ct);
        var insertAccount = Prepare(db, tx, "INSERT INTO accounts(account_id, name, email, active) VALUES($a, $b, $c, $d)", 4);
        var insertEntitlement = Prepare(db, tx, "INSERT INTO entitlements(entitlement_id, description) VALUES($a, $b)", 2);
        var insertLink = Prepare(db, tx, "INSERT OR IGNORE INTO links(account_id, entitlement_id) VALUES($a, $b)", 2);
        long accounts = 0, entitlements = 0, links = 0;

        foreach (var url in urls)
        {
            using var response = await GetPageAsync(http, authorization, url, ct);
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            using var reader = new JsonTextReader(new StreamReader(stream)) { DateParseHandling = DateParseHandling.None };
            bool users = KindOf(shape, url) == "accounts";
            await foreach (var resource in Resources(reader, shape == Shape.Scim ? "Resources" : "data", ct))
            {
                string id = (string?)resource["id"] ?? throw new InvalidDataException("resource without id in " + url);
                if (users && shape == Shape.Confluent)
                {
                    Run(insertAccount, id, (string?)resource["full_name"] ?? (string?)resource["display_name"] ?? id, (string?)resource["email"], (string?)resource["kind"]);
                    accounts++;
                }
                else if (users)
                {
                    Run(insertAccount, id, (string?)resource["userName"], (string?)resource["emails"]?.First?["value"], (string?)resource["active"]);
                    accounts++;
                    foreach (var g in resource["groups"] ?? new Newtonsoft.Json.Linq.JArray())
                    {
                        Run(insertLink, id, (string?)g["value"]);
                        links++;
                    }
                }
                else
                {
                    Run(insertEntitlement, id, (string?)resource["description"] ?? (string?)resource["display_name"]);
                    entitlements++;
                }
            }
        }

        await tx.CommitAsync(ct);
        return new Result(accounts, entitlements, links);
    }

    /// <summary>Streams the objects of the page's list array ("Resources", "data"), one at a time.</summary>
    private static async IAsyncEnumerable<Newtonsoft.Json.Linq.JObject> Resources(JsonTextReader reader, string listField, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        while (await reader.ReadAsync(ct))
        {
            if (reader.TokenType == JsonToken.PropertyName && reader.Depth == 1 && string.Equals((string?)reader.Value, listField, StringComparison.OrdinalIgnoreCase))
            {
                await reader.ReadAsync(ct); // StartArray
                while (await reader.ReadAsync(ct) && reader.TokenType == JsonToken.StartObject)
                {
                    yield return await Newtonsoft.Json.Linq.JObject.LoadAsync(reader, ct);
                }
            }
        }
    }

    private static SqliteCommand Prepare(SqliteConnection db, SqliteTransaction tx, string sql, int parameters)
    {
        var cmd = db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var name in new[] { "$a", "$b", "$c", "$d" }.Take(parameters)) cmd.Parameters.Add(new SqliteParameter(name, null));
        cmd.Prepare();
        return cmd;
    }

    private static void Run(SqliteCommand cmd, params string?[] values)
    {
        for (var i = 0; i < values.Length; i++) cmd.Parameters[i].Value = (object?)values[i] ?? DBNull.Value;
        cmd.ExecuteNonQuery();
    }

    private static async Task Exec(SqliteConnection db, string sql)
    {
        await using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }
}
