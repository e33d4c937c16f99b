using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Simulators;
using AdminPortal.Web;
using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Web.Features.Connections;
using AdminPortal.Web.Features.Imports;
using AdminPortal.Web.Features.Repository;
using AdminPortal.Web.Features.Simulated;
using AdminPortal.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.Benchmarks;

/// <summary>Options of the load command (docs/reliability.md → Load).</summary>
/// <param name="Accounts">Accounts (5 memberships each on average, as the benchmarks) of the big SAP BTP endpoint.</param>
/// <param name="Seconds">Least length of the measured window; it lasts until the import has finished (at most 30 min).</param>
/// <param name="SeedDirectory">Keeps the seeded data directory there and starts later runs from a copy of it.</param>
/// <param name="TasksPerSecond">CreateAccount tasks added per second for WSRETRY during the window.</param>
/// <param name="ImportAccounts">Accounts of the second application whose full import runs in the window.</param>
/// <param name="ThinkMilliseconds">Mean pause of each client between an answer and its next request (uniform 0.5–1.5 ×; 0 = none, closed loop; ADR-018).</param>
/// <param name="CpuPerRequest">Instead of the window: the portal process's CPU per request kind, one client, nothing else running (ADR-018).</param>
public sealed record LoadOptions(int Accounts = 50_000, int Clients = 20, int Seconds = 60, string? SeedDirectory = null, int TasksPerSecond = 20, int ImportAccounts = 100_000,
    int ThinkMilliseconds = 0, bool CpuPerRequest = false);

/// <summary>
/// Load command (docs/reliability.md → Load; not part of the test suite):
/// <c>dotnet run -c Release --project tests/AdminPortal.Benchmarks -- --load [--accounts 1000000] [--clients 20] [--seconds 120] [--seed-dir DIR] [--tasks-per-second 20] [--import-accounts 100000]</c>.
/// The real portal on Kestrel over a big SAP BTP endpoint (a real import of 5,000 accounts copied by SQL to the wanted size,
/// <see cref="LoadSeed"/>). In the measured window a second application's full import runs through the portal's real
/// import path, WSRETRY works through a stream of CreateAccount tasks
/// against a Confluent simulator, and the clients browse: half page through and search the accounts API with a token,
/// half open the Accounts page with a signed-in cookie. Prints p50/p95/max per request kind; exits 1 on any error.
/// </summary>
public static partial class LoadTest
{
    private const string Password = "Load-Passw0rd!";
    private const string Endpoint = "load-sap-ep";
    private const string TaskEndpoint = "load-confluent-ep";
    private const string ImportEndpoint = "load-sap2-ep";
    private const int SeedSource = 5_000;
    private static readonly TimeSpan MaxWindow = TimeSpan.FromMinutes(30);

    private static SimulatorOptions Shape(int seed, int accounts) => new()
    {
        Seed = seed, Accounts = accounts, EntitlementsPerType = BenchmarkRunner.EntitlementsFor(accounts), LinksPerAccount = BenchmarkRunner.LinksPerAccount,
        MaxRecordedRequests = 1000, MaxRecordedBodyChars = 128,
    };

    public static async Task<int> RunAsync(string packageFolder, LoadOptions o, TextWriter output)
    {
        output.WriteLine($"load: {o.Accounts:N0} accounts, {o.Clients} clients, think time {(o.ThinkMilliseconds > 0 ? $"{o.ThinkMilliseconds} ms (mean)" : "none")}, ≥ {o.Seconds} s, {o.TasksPerSecond} tasks/s; {Environment.ProcessorCount} cores; uptime: {Uptime()}");
        // The big endpoint's shape: a real import of SeedSource accounts, copied by SQL up to the wanted size (SeedAsync).
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, Shape(9, Math.Min(o.Accounts, SeedSource)));
        // The import in the window: another application's full import through the portal (ImportAccounts accounts).
        await using var importSim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, Shape(10, o.ImportAccounts));
        await using var taskSim = await SimulatorHost.StartAsync(SimulatedSystem.Confluent, new SimulatorOptions { Seed = 9, Accounts = 10, MaxRecordedRequests = 1000, MaxRecordedBodyChars = 128 });
        var dataDirectory = Directory.CreateTempSubdirectory("adminportal-load-").FullName;
        try
        {
            if (!await SeedAsync(sim, packageFolder, o, dataDirectory, output)) return 1;
            if (o.CpuPerRequest) return await CpuPerRequestAsync(dataDirectory, output);
            return await MeasureAsync(importSim, taskSim, packageFolder, o, dataDirectory, output);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            try { Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// The big endpoint, through the portal's real import (the only way its rows get the import's hashes and run stamps,
    /// so the re-import in the window is a real 1 % delta). With a seed directory the seeded data directory is kept
    /// there once and copied for each later run (same simulator seed → same target).
    /// </summary>
    private static async Task<bool> SeedAsync(RunningSimulator sim, string packageFolder, LoadOptions o, string dataDirectory, TextWriter output)
    {
        var marker = o.SeedDirectory is null ? null : Path.Combine(o.SeedDirectory, $"seeded-{o.Accounts}.txt");
        if (marker is not null && File.Exists(marker))
        {
            CopyDirectory(o.SeedDirectory!, dataDirectory);
            output.WriteLine($"seed: copied {o.SeedDirectory} ({await File.ReadAllTextAsync(marker)})");
            return true;
        }

        var app = await StartPortalAsync(dataDirectory);
        try
        {
            var endpoint = await app.Services.GetRequiredService<SimulatedApplicationSetup>().SetUpAsync(sim, packageFolder, "load-sap", Endpoint, "load");
            var sw = Stopwatch.StartNew();
            var run = await ImportAsync(app.Services, endpoint);
            var line = $"real import of {endpoint}: {run.Status}, read {run.Read:N0} accounts in {sw.Elapsed.TotalSeconds:0} s";
            if (run.Status != JobRunStatus.Succeeded)
            {
                output.WriteLine($"seed: {line}: {run.Error}");
                return false;
            }

            await StopPortalAsync(app);
            sw.Restart();
            var (accounts, links) = LoadSeed.CopyAccounts(Path.Combine(dataDirectory, "adminportal.db"), endpoint, o.Accounts);
            line += $"; copied by SQL to {accounts:N0} accounts and {links:N0} links in {sw.Elapsed.TotalSeconds:0} s, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC";
            output.WriteLine("seed: " + line);
            if (marker is not null)
            {
                CopyDirectory(dataDirectory, o.SeedDirectory!);
                await File.WriteAllTextAsync(marker, line);
            }

            return true;
        }
        finally
        {
            await StopPortalAsync(app);
        }
    }

    private static async Task<int> MeasureAsync(RunningSimulator sim, RunningSimulator taskSim, string packageFolder, LoadOptions o, string dataDirectory, TextWriter output)
    {
        var app = await StartPortalAsync(dataDirectory);
        try
        {
            var services = app.Services;
            var baseUrl = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var setup = services.GetRequiredService<SimulatedApplicationSetup>();
            await setup.SetUpAsync(sim, packageFolder, "load-sap2", ImportEndpoint, "load");
            await setup.SetUpAsync(taskSim, packageFolder, "load-confluent", TaskEndpoint, "load");
            var dbFactory = services.GetRequiredService<IDbContextFactory<AdminPortalDbContext>>();
            var samples = await SampleAccountsAsync(dbFactory, 2_000);
            var total = await CountAccountsAsync(dbFactory);
            output.WriteLine($"{Endpoint}: {total:N0} accounts; {samples.Count} sampled for search terms");

            var clients = await ClientsAsync(services, baseUrl, o.Clients);

            var window = Stopwatch.StartNew();
            var windowStartUtc = DateTime.UtcNow;
            var importTask = ImportAsync(services, ImportEndpoint);
            using var stop = new CancellationTokenSource();
            var producer = ProduceTasksAsync(dbFactory, o.TasksPerSecond, stop.Token);
            var loadAverages = SampleLoadAverageAsync(stop.Token);

            var latencies = new ConcurrentDictionary<string, ConcurrentBag<double>>();
            var errors = new ConcurrentBag<string>();
            var pages = Math.Max(1, total / 50);
            bool Done() => window.Elapsed > MaxWindow || (window.Elapsed.TotalSeconds >= o.Seconds && importTask.IsCompleted);
            var cursors = await SampleCursorsAsync(dbFactory, 2_000);
            await Task.WhenAll(clients.Select((client, index) => Task.Run(async () =>
            {
                var random = new Random(index);
                // An API client browses as the API documents it (docs/api.md, ADR-018): it starts somewhere (a search, or
                // a cursor it kept) and follows `next` for up to 10 pages; now and then it jumps to a random page number,
                // which walks every index entry before it (reported on a line of its own).
                string? next = null;
                var followed = 0;
                while (!Done())
                {
                    var (kind, url) = index % 2 == 1
                        ? ("Accounts page (cookie)", $"/identities/accounts?endpoint={Endpoint}")
                        : random.Next(4) == 0
                            ? ("accounts API, q= search", $"/api/endpoints/{Endpoint}/accounts?q={Uri.EscapeDataString(SearchTerm(samples[random.Next(samples.Count)], random))}&pageSize=50")
                            : random.Next(10) == 0
                                ? ("accounts API, jump to a random page= (OFFSET)", $"/api/endpoints/{Endpoint}/accounts?page={random.Next(1, pages + 1)}&pageSize=50")
                                : next is not null && followed < 10
                                    ? ("accounts API, next page of 50 (after= cursor)", $"/api/endpoints/{Endpoint}/accounts?after={Uri.EscapeDataString(next)}&pageSize=50")
                                    : ("accounts API, page of 50 from a kept cursor", $"/api/endpoints/{Endpoint}/accounts?after={Uri.EscapeDataString(cursors[random.Next(cursors.Count)])}&pageSize=50");
                    if (kind.Contains("cursor", StringComparison.Ordinal)) followed = kind.StartsWith("accounts API, next", StringComparison.Ordinal) ? followed + 1 : 0;
                    var watch = Stopwatch.StartNew();
                    try
                    {
                        using var response = await client.GetAsync(url);
                        var body = await response.Content.ReadAsStringAsync();
                        if (response.StatusCode != HttpStatusCode.OK) errors.Add($"{kind}: HTTP {(int)response.StatusCode}");
                        else if (kind.Contains("search", StringComparison.Ordinal) && body.Contains("\"totalCapped\":true", StringComparison.Ordinal)) kind += " (more than 10,000 matches)";
                        if (kind.Contains("cursor", StringComparison.Ordinal))
                            next = response.StatusCode == HttpStatusCode.OK && JsonDocument.Parse(body).RootElement.TryGetProperty("next", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        errors.Add($"{kind}: {e.GetType().Name}");
                    }

                    latencies.GetOrAdd(kind, _ => []).Add(watch.Elapsed.TotalMilliseconds);
                    // A person reads the page before the next click; 0 keeps the closed loop of the earlier runs.
                    if (o.ThinkMilliseconds > 0) await Task.Delay(TimeSpan.FromMilliseconds(o.ThinkMilliseconds * (0.5 + random.NextDouble())));
                }
            })));
            window.Stop();
            await stop.CancelAsync();
            var created = await producer;
            var loads = await loadAverages;

            var importDone = importTask.IsCompleted;
            var second = await importTask;
            await using (var db = await dbFactory.CreateDbContextAsync())
            {
                var tasks = await db.ProvisioningTasks.Where(t => t.Endpoint!.Name == TaskEndpoint).GroupBy(t => t.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync();
                var completedInWindow = await db.ProvisioningTasks.CountAsync(t => t.Endpoint!.Name == TaskEndpoint && t.Status == ProvisioningTaskStatus.Completed
                    && t.UpdatedUtc >= windowStartUtc && t.UpdatedUtc <= windowStartUtc + window.Elapsed);
                output.WriteLine($"window: {window.Elapsed.TotalSeconds:0} s; load average (1 min) during it: min {loads.Min():0.0}, median {Median(loads):0.0}, max {loads.Max():0.0}; uptime at the end: {Uptime()}");
                output.WriteLine($"full import of {ImportEndpoint} ({o.ImportAccounts:N0} accounts) during the window: {second.Status}, read {second.Read:N0}, added {second.Added:N0}, in {(second.FinishedUtc - second.StartedUtc)?.TotalSeconds:0} s{(importDone ? "" : " (finished after the window)")}{(second.Error is null ? "" : ": " + second.Error)}");
                output.WriteLine($"WSRETRY: {created:N0} CreateAccount tasks added during the window ({skippedTicks} one-second batches skipped: database busy), {completedInWindow:N0} completed in it; tasks now: {string.Join(", ", tasks.OrderBy(t => t.Key).Select(t => $"{t.Key} {t.Count:N0}"))}; {taskSim.State.GetAccounts().Count - 10:N0} service accounts created on the Confluent simulator");
            }

            output.WriteLine($"{o.Clients} clients, {o.Accounts:N0} accounts, think time {o.ThinkMilliseconds} ms");
            output.WriteLine("| request | count | p50 ms | p95 ms | max ms |");
            output.WriteLine("| --- | ---: | ---: | ---: | ---: |");
            foreach (var (kind, bag) in latencies.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                var sorted = bag.Order().ToArray();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {kind} | {sorted.Length} | {Percentile(sorted, 0.50):0} | {Percentile(sorted, 0.95):0} | {sorted[^1]:0} |"));
            }

            var searches = latencies.Where(k => k.Key.Contains("search", StringComparison.Ordinal)).SelectMany(k => k.Value).Order().ToArray();
            if (searches.Length > 0)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| accounts API, q= search (all) | {searches.Length} | {Percentile(searches, 0.50):0} | {Percentile(searches, 0.95):0} | {searches[^1]:0} |"));
            output.WriteLine($"errors: {errors.Count}{(errors.IsEmpty ? "" : " — " + string.Join(", ", errors.GroupBy(e => e).Select(g => $"{g.Key} ×{g.Count()}")))}");
            foreach (var client in clients) client.Dispose();
            return errors.IsEmpty && second.Status == JobRunStatus.Succeeded ? 0 : 1;
        }
        finally
        {
            await StopPortalAsync(app);
        }
    }

    /// <summary>Even clients call the API with an administrator's token, odd ones are signed in with a cookie.</summary>
    private static async Task<List<HttpClient>> ClientsAsync(IServiceProvider services, string baseUrl, int count)
    {
        var token = (await services.GetRequiredService<ApiTokenService>().CreateAsync("admin", "load", 1, "load")).Token;
        var clients = new List<HttpClient>();
        for (var i = 0; i < count; i++)
        {
            var client = new HttpClient(new SocketsHttpHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
            if (i % 2 == 0) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            else await SignInAsync(client);
            clients.Add(client);
        }

        return clients;
    }

    /// <summary>
    /// CPU per request kind (ADR-018): the portal alone (no import, no task stream; WSRETRY idle), one client, warm (each
    /// URL kind sent 30 times first), then 200 requests of each kind one after the other. CPU is this process's (portal,
    /// client and idle simulators), less its idle rate measured over 3 s before; wall time is the median latency.
    /// </summary>
    private static async Task<int> CpuPerRequestAsync(string dataDirectory, TextWriter output)
    {
        var app = await StartPortalAsync(dataDirectory);
        try
        {
            var services = app.Services;
            var baseUrl = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var dbFactory = services.GetRequiredService<IDbContextFactory<AdminPortalDbContext>>();
            var samples = await SampleAccountsAsync(dbFactory, 400);
            var pages = Math.Max(1, await CountAccountsAsync(dbFactory) / 50);
            var clients = await ClientsAsync(services, baseUrl, 2);
            var (api, cookie) = (clients[0], clients[1]);
            var random = new Random(1);
            var ids = await SampleCursorsAsync(dbFactory, 400);
            var kinds = new (string Kind, HttpClient Client, Func<string> Url)[]
            {
                ("Accounts page (cookie, prerendered)", cookie, () => $"/identities/accounts?endpoint={Endpoint}"),
                ("accounts API, first page of 50", api, () => $"/api/endpoints/{Endpoint}/accounts?pageSize=50"),
                ("accounts API, random page of 50 (OFFSET)", api, () => $"/api/endpoints/{Endpoint}/accounts?page={random.Next(1, pages + 1)}&pageSize=50"),
                ("accounts API, random page of 50 (after= cursor)", api, () => $"/api/endpoints/{Endpoint}/accounts?after={ids[random.Next(ids.Count)]}&pageSize=50"),
                ("accounts API, q= search", api, () => $"/api/endpoints/{Endpoint}/accounts?q={Uri.EscapeDataString(SearchTerm(samples[random.Next(samples.Count)], random))}&pageSize=50"),
            };
            using var process = Process.GetCurrentProcess();
            TimeSpan Cpu()
            {
                process.Refresh();
                return process.TotalProcessorTime;
            }

            foreach (var (_, client, url) in kinds)
                for (var i = 0; i < 30; i++) await SendAsync(client, url());
            var idleStart = Cpu();
            await Task.Delay(3_000);
            var idlePerSecond = (Cpu() - idleStart).TotalMilliseconds / 3;
            output.WriteLine($"cpu per request: 1 client, 200 requests per kind, warm; idle process CPU {idlePerSecond:0.0} ms/s subtracted; {Uptime()}");
            output.WriteLine("| request | CPU ms per request | p50 ms | p95 ms |");
            output.WriteLine("| --- | ---: | ---: | ---: |");
            foreach (var (kind, client, url) in kinds)
            {
                var latencies = new List<double>();
                var wall = Stopwatch.StartNew();
                var cpu = Cpu();
                for (var i = 0; i < 200; i++)
                {
                    var watch = Stopwatch.StartNew();
                    await SendAsync(client, url());
                    latencies.Add(watch.Elapsed.TotalMilliseconds);
                }

                var used = (Cpu() - cpu).TotalMilliseconds - idlePerSecond * wall.Elapsed.TotalSeconds;
                var sorted = latencies.Order().ToArray();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {kind} | {used / 200:0.0} | {Percentile(sorted, 0.5):0.0} | {Percentile(sorted, 0.95):0.0} |"));
            }

            foreach (var client in clients) client.Dispose();
            return 0;
        }
        finally
        {
            await StopPortalAsync(app);
        }
    }

    private static async Task SendAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"{url}: HTTP {(int)response.StatusCode}");
    }

    /// <summary>after= cursors at random accounts of the big endpoint (what a client continuing deep in the list sends).</summary>
    private static async Task<List<string>> SampleCursorsAsync(IDbContextFactory<AdminPortalDbContext> dbFactory, int count)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var rows = await db.Accounts.Where(a => a.Endpoint!.Name == Endpoint).OrderBy(a => EF.Functions.Random()).Take(count).Select(a => new { a.Name, a.Id }).ToListAsync();
        return rows.Select(r => new AccountCursor(r.Name, r.Id).Encode()).ToList();
    }

    private static async Task<WebApplication> StartPortalAsync(string dataDirectory)
    {
        var app = await PortalApp.CreateAsync(
        [
            "--urls=http://127.0.0.1:0",
            "--environment=Production",
            $"--AdminPortal:DataDirectory={dataDirectory}",
            $"--AdminPortal:BootstrapAdminPassword={Password}",
            "--AdminPortal:SignInAttemptsPerMinute=1000",
            "--Logging:LogLevel:Default=Warning",
            // WSRETRY as deployed (the runner is always on), looking for due tasks every second instead of every minute.
            "--Provisioning:IntervalSeconds=1",
        ]) ?? throw new InvalidOperationException("the portal ran a command instead of starting");
        await app.StartAsync();
        return app;
    }

    private static readonly HashSet<WebApplication> Stopped = [];

    private static async Task StopPortalAsync(WebApplication app)
    {
        if (!Stopped.Add(app)) return;
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }

    /// <summary>A stream of approvals for WSRETRY: <paramref name="perSecond"/> CreateAccount tasks every second.</summary>
    private static async Task<int> ProduceTasksAsync(IDbContextFactory<AdminPortalDbContext> dbFactory, int perSecond, CancellationToken ct)
    {
        var created = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (perSecond > 0 && await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    created += await AddTasksAsync(dbFactory, created, perSecond);
                }
                catch (SqliteException e) when (e.SqliteErrorCode == 5)
                {
                    // The single writer was busy for longer than the busy timeout (an import's apply): this second's approvals are skipped.
                    Interlocked.Increment(ref skippedTicks);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return created;
    }

    private static int skippedTicks;

    /// <summary>One second's approvals: new people and one New CreateAccount task each (what an approved request leaves behind).</summary>
    private static async Task<int> AddTasksAsync(IDbContextFactory<AdminPortalDbContext> dbFactory, int created, int perSecond)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        var endpointId = await db.Endpoints.Where(e => e.Name == TaskEndpoint).Select(e => e.Id).SingleAsync(CancellationToken.None);
        var now = DateTime.UtcNow;
        var people = Enumerable.Range(created, perSecond).Select(i => new AppUser { Username = $"load-{now:HHmmss}-{i}", FirstName = "Load", LastName = $"Person {i}", CreatedUtc = now, UpdatedUtc = now }).ToList();
        db.Users.AddRange(people);
        await db.SaveChangesAsync(CancellationToken.None);
        db.ProvisioningTasks.AddRange(people.Select(p => new ProvisioningTask
        {
            Type = ProvisioningTaskType.CreateAccount, Status = ProvisioningTaskStatus.New, EndpointId = endpointId, UserId = p.Id, CreatedUtc = now, UpdatedUtc = now,
        }));
        await db.SaveChangesAsync(CancellationToken.None);
        return perSecond;
    }

    /// <summary>What a reviewer types: the start of a person's user name (3 characters up to all of it), of the display name, or of the target id.</summary>
    private static string SearchTerm((string Name, string AccountId, string? DisplayName) a, Random random)
    {
        static string Start(string s, int min, int max, Random r) => s[..Math.Min(s.Length, r.Next(min, Math.Max(min, max) + 1))];
        return random.Next(10) switch
        {
            < 5 => Start(a.Name, 3, a.Name.Length, random),
            < 8 when a.DisplayName is { Length: > 0 } d => Start(d, 3, d.Length, random),
            _ => Start(a.AccountId, 4, 8, random),
        };
    }

    private static async Task<List<(string Name, string AccountId, string? DisplayName)>> SampleAccountsAsync(IDbContextFactory<AdminPortalDbContext> dbFactory, int count)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var rows = await db.Accounts.Where(a => a.Endpoint!.Name == Endpoint).OrderBy(a => EF.Functions.Random()).Take(count)
            .Select(a => new { a.Name, a.AccountId, a.DisplayName }).ToListAsync();
        return rows.Select(r => (r.Name, r.AccountId, r.DisplayName)).ToList();
    }

    private static async Task<int> CountAccountsAsync(IDbContextFactory<AdminPortalDbContext> dbFactory)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return await db.Accounts.CountAsync(a => a.Endpoint!.Name == Endpoint);
    }

    private static async Task<List<double>> SampleLoadAverageAsync(CancellationToken ct)
    {
        var samples = new List<double>();
        try
        {
            do samples.Add(double.Parse((await File.ReadAllTextAsync("/proc/loadavg", CancellationToken.None)).Split(' ')[0], CultureInfo.InvariantCulture));
            while (await Task.Delay(5_000, ct).ContinueWith(t => !t.IsCanceled, TaskScheduler.Default));
        }
        catch (IOException)
        {
        }

        return samples.Count > 0 ? samples : [double.NaN];
    }

    private static string Uptime() => File.Exists("/proc/loadavg") ? "load average " + string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
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
