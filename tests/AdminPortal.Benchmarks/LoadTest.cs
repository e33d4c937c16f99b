using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Simulators;
using AdminPortal.Web;
using AdminPortal.Web.Features.Imports;
using AdminPortal.Web.Features.Simulated;
using AdminPortal.Web.Security;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.Benchmarks;

/// <summary>
/// Load command (docs/reliability.md → Load; not part of the test suite):
/// <c>dotnet run -c Release --project tests/AdminPortal.Benchmarks -- --load [--accounts 50000] [--clients 20] [--seconds 60]</c>.
/// The real portal on Kestrel over a large imported endpoint; half the clients page through the accounts API with a
/// token, half open the Accounts page with a cookie, while a re-import with 1 % changes runs. Prints p50/p95/max.
/// </summary>
public static partial class LoadTest
{
    private const string Password = "Load-Passw0rd!";

    public static async Task<int> RunAsync(string packageFolder, int accounts, int clients, int seconds, TextWriter output)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("adminportal-load-").FullName;
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions
        {
            Seed = 9, Accounts = accounts, EntitlementsPerType = Math.Max(20, accounts / 500), LinksPerAccount = 2, MaxRecordedRequests = 1000, MaxRecordedBodyChars = 128,
        });
        var app = await PortalApp.CreateAsync(
        [
            "--urls=http://127.0.0.1:0",
            "--environment=Production",
            $"--AdminPortal:DataDirectory={dataDirectory}",
            $"--AdminPortal:BootstrapAdminPassword={Password}",
            "--AdminPortal:SignInAttemptsPerMinute=1000",
            "--Logging:LogLevel:Default=Warning",
        ]) ?? throw new InvalidOperationException("the portal ran a command instead of starting");
        await app.StartAsync();
        try
        {
            var services = app.Services;
            var baseUrl = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var endpoint = await services.GetRequiredService<SimulatedApplicationSetup>().SetUpAsync(sim, packageFolder, "load-sap", "load-sap-ep", "load");
            var sw = Stopwatch.StartNew();
            var first = await ImportAsync(services, endpoint);
            output.WriteLine($"seeded {endpoint}: {first.Status}, read {first.Read} accounts in {sw.Elapsed.TotalSeconds:0.0} s");
            if (first.Status != JobRunStatus.Succeeded) return 1;

            var token = (await services.GetRequiredService<ApiTokenService>().CreateAsync("admin", "load", 1, "load")).Token;
            var handlers = new List<HttpClient>();
            for (var i = 0; i < clients; i++)
            {
                var client = new HttpClient(new SocketsHttpHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
                if (i % 2 == 0) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
                else await SignInAsync(client);
                handlers.Add(client);
            }

            // 1 % of the accounts renamed: the re-import has real work to apply while the clients browse.
            foreach (var account in sim.State.GetAccounts().Take(Math.Max(1, accounts / 100))) sim.State.RenameAccount(account.Id, account.Name + ".load");
            var importTask = ImportAsync(services, endpoint);
            var importWatch = Stopwatch.StartNew();

            var latencies = new ConcurrentDictionary<string, ConcurrentBag<double>>();
            var errors = new ConcurrentBag<string>();
            var until = DateTime.UtcNow.AddSeconds(seconds);
            var pages = Math.Max(1, accounts / 50);
            await Task.WhenAll(handlers.Select((client, index) => Task.Run(async () =>
            {
                var random = new Random(index);
                while (DateTime.UtcNow < until)
                {
                    var (kind, url) = index % 2 == 0
                        ? random.Next(4) == 0
                            ? ("api search", $"/api/endpoints/{endpoint}/accounts?q=user{random.Next(100)}&pageSize=50")
                            : ("api page", $"/api/endpoints/{endpoint}/accounts?page={random.Next(1, pages + 1)}&pageSize=50")
                        : ("accounts page", $"/identities/accounts?endpoint={endpoint}");
                    var watch = Stopwatch.StartNew();
                    try
                    {
                        using var response = await client.GetAsync(url);
                        await response.Content.ReadAsByteArrayAsync();
                        if (response.StatusCode != HttpStatusCode.OK) errors.Add($"{kind}: HTTP {(int)response.StatusCode}");
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        errors.Add($"{kind}: {e.GetType().Name}");
                    }

                    latencies.GetOrAdd(kind, _ => []).Add(watch.Elapsed.TotalMilliseconds);
                }
            })));

            var importDoneDuringLoad = importTask.IsCompleted;
            var second = await importTask;
            output.WriteLine($"re-import during load: {second.Status}, changed {second.Changed}, {importWatch.Elapsed.TotalSeconds:0.0} s{(importDoneDuringLoad ? "" : " (finished after the load window)")}");
            output.WriteLine($"{clients} clients, {seconds} s, {accounts} accounts");
            output.WriteLine("| request | count | p50 ms | p95 ms | max ms |");
            output.WriteLine("| --- | --- | --- | --- | --- |");
            foreach (var (kind, bag) in latencies.OrderBy(k => k.Key))
            {
                var sorted = bag.Order().ToArray();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {kind} | {sorted.Length} | {Percentile(sorted, 0.50):0} | {Percentile(sorted, 0.95):0} | {sorted[^1]:0} |"));
            }

            output.WriteLine($"errors: {errors.Count}{(errors.IsEmpty ? "" : " — " + string.Join(", ", errors.GroupBy(e => e).Select(g => $"{g.Key} ×{g.Count()}")))}");
            foreach (var client in handlers) client.Dispose();
            return errors.IsEmpty && second.Status == JobRunStatus.Succeeded ? 0 : 1;
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            SqliteConnection.ClearAllPools();
            try { Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { }
        }
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static async Task SignInAsync(HttpClient client)
    {
        var page = await client.GetStringAsync("/account/login");
        var token = AntiforgeryField().Match(page).Groups[1].Value;
        using var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["username"] = "admin", ["password"] = Password, ["returnUrl"] = "/",
        }));
        if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.OriginalString != "/")
            throw new InvalidOperationException($"sign-in failed: {(int)response.StatusCode} {response.Headers.Location}");
    }

    private static async Task<JobRun> ImportAsync(IServiceProvider services, string endpoint)
    {
        var id = await services.GetRequiredService<ImportService>().QueueAsync(new ImportRequest(endpoint, "full", false, "load", "load"));
        var factory = services.GetRequiredService<IDbContextFactory<AdminPortalDbContext>>();
        while (true)
        {
            await using var db = await factory.CreateDbContextAsync();
            var run = await db.JobRuns.AsNoTracking().SingleAsync(r => r.Id == id);
            if (run.Status is not (JobRunStatus.Queued or JobRunStatus.Running)) return run;
            await Task.Delay(200);
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
