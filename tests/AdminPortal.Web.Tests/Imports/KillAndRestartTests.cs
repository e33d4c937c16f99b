using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using AdminPortal.Core.Domain;
using AdminPortal.Simulators;
using AdminPortal.Web.Security;
using AdminPortal.Web.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Web.Tests.Imports;

/// <summary>
/// The portal as a real child process (<c>dotnet AdminPortal.Web.dll</c> on a temp data directory) is killed with
/// SIGKILL in the middle of an import against a slow simulator, then started again: the run is marked failed,
/// the repository holds exactly what the previous successful import left (no partial data, nothing lost), and the
/// next import succeeds.
/// </summary>
public sealed class KillAndRestartTests
{
    private static string Dump(string databaseFile)
    {
        using var connection = new SqliteConnection($"Data Source={databaseFile};Mode=ReadOnly;Pooling=False");
        connection.Open();
        var sb = new StringBuilder();
        foreach (var table in new[] { "Accounts", "EntitlementValues", "AccountEntitlements" })
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = $"SELECT * FROM \"{table}\" ORDER BY 1, 2";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                sb.Append(table).Append(':');
                for (var i = 0; i < r.FieldCount; i++) sb.Append(r.IsDBNull(i) ? "∅" : r.GetValue(i).ToString()).Append('|');
                sb.Append('\n');
            }
        }

        return sb.ToString();
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static async Task<Process> StartPortalAsync(string dataDirectory, string url, HttpClient client, params string[] extraArguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "AdminPortal.Web.dll"), "--urls", url, $"--AdminPortal:DataDirectory={dataDirectory}", "--AdminPortal:Jobs:SchedulerEnabled=false" },
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in extraArguments) start.ArgumentList.Add(argument);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"the portal exited with {process.ExitCode}");
            try
            {
                using var health = await client.GetAsync("/health");
                if (health.StatusCode == HttpStatusCode.OK) return process;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(250);
        }

        process.Kill(entireProcessTree: true);
        throw new TimeoutException("the portal did not answer /health within 60 s");
    }

    private static async Task<JObject> RunAsync(HttpClient client, long runId) =>
        JObject.Parse(await client.GetStringAsync($"/api/imports/{runId}"));

    [Fact]
    public async Task KilledMidImport_RestartMarksTheRunFailed_RepositoryUnchanged_NextImportSucceeds()
    {
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions { Seed = 41, Accounts = 1200, EntitlementsPerType = 3, LinksPerAccount = 1 });

        // Set up (package, ConnectionJSON, system, endpoint), import once and create a token in-process, then release the files.
        string dataDirectory, endpoint, token;
        var factory = new PortalFactory { KeepDataDirectory = true };
        dataDirectory = factory.DataDirectory;
        var harness = new ImportHarness(factory);
        endpoint = await harness.SetUpAsync(sim, "-kill");
        Assert.Equal(JobRunStatus.Succeeded, (await harness.RunAsync(endpoint)).Status);
        token = (await factory.Services.GetRequiredService<ApiTokenService>().CreateAsync("admin", "kill test", 1, "tests")).Token;
        await factory.DisposeAsync();
        SqliteConnection.ClearAllPools();
        var kept = dataDirectory;
        var databaseFile = Directory.GetFiles(kept, "*.db").Single();
        var before = Dump(databaseFile);

        // Changes on the target the killed run would have applied.
        foreach (var account in sim.State.GetAccounts().Take(5)) sim.State.RenameAccount(account.Id, account.Name + ".changed");
        sim.State.AddAccount("added.during.kill");

        var url = $"http://127.0.0.1:{FreePort()}";
        using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var portal = await StartPortalAsync(kept, url, client);
        try
        {
            sim.Faults.Add(new FaultRule { Kind = FaultKind.Latency, PathPattern = "/Users", Latency = TimeSpan.FromSeconds(3) });
            using var queued = await client.PostAsync("/api/imports", new StringContent(new JObject { ["endpoint"] = endpoint, ["mode"] = "full" }.ToString(), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
            var runId = (long)JObject.Parse(await queued.Content.ReadAsStringAsync())["runId"]!;

            // Kill once the run is reading (the first slow /Users page has been requested).
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!sim.Requests.Any(r => r.Path.EndsWith("/Users", StringComparison.Ordinal) && r.Timestamp > DateTimeOffset.UtcNow.AddSeconds(-20)) || (string?)(await RunAsync(client, runId))["status"] != "Running")
            {
                Assert.True(DateTime.UtcNow < deadline, "the import never started reading");
                await Task.Delay(100);
            }

            await Task.Delay(1500);
            portal.Kill(entireProcessTree: true); // SIGKILL
            await portal.WaitForExitAsync();
            sim.Faults.Clear();

            Assert.Equal(before, Dump(databaseFile));

            portal = await StartPortalAsync(kept, url, client);
            var run = await RunAsync(client, runId);
            Assert.Equal("Failed", (string?)run["status"]);
            Assert.Contains("stopped", run["errors"]!.ToString() + run.ToString());
            Assert.Equal(before, Dump(databaseFile));

            // Nothing lost: the next import applies the target's changes.
            using var again = await client.PostAsync("/api/imports", new StringContent(new JObject { ["endpoint"] = endpoint, ["mode"] = "full" }.ToString(), Encoding.UTF8, "application/json"));
            var againId = (long)JObject.Parse(await again.Content.ReadAsStringAsync())["runId"]!;
            var until = DateTime.UtcNow.AddSeconds(60);
            JObject next;
            while ((string?)(next = await RunAsync(client, againId))["status"] is "Queued" or "Running")
            {
                Assert.True(DateTime.UtcNow < until, "the import after the restart did not finish");
                await Task.Delay(200);
            }

            Assert.True((string?)next["status"] == "Succeeded", next.ToString());
            Assert.Contains("added.during.kill", Dump(databaseFile));
        }
        finally
        {
            if (!portal.HasExited) portal.Kill(entireProcessTree: true);
            await portal.WaitForExitAsync();
            portal.Dispose();
            SqliteConnection.ClearAllPools();
            try { Directory.Delete(kept, recursive: true); } catch (IOException) { }
        }
    }
}
