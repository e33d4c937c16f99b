using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using Newtonsoft.Json;

namespace AdminPortal.Simulators;

/// <summary>The command line: start one or all simulators for demos, or run the memory check.
/// <code>
/// dotnet run --project src/AdminPortal.Simulators -- --system confluent --port 7101 --seed 500 [--accounts N]
/// dotnet run --project src/AdminPortal.Simulators -- --all [--port 7101]
/// dotnet run --project src/AdminPortal.Simulators -- --memory-check --system confluent --accounts 1000000
/// </code></summary>
public static class SimulatorCli
{
    public const string Usage = """
        AdminPortal simulators
          --system <sapbtp|confluent|incontact|signalsciences|bynder>   start one simulator
          --all                          start all five (ports --port .. --port+4, or random)
          --port <n>                     port (0 = random; default 0)
          --seed <n>                     seed (default 1)
          --accounts <n>                 accounts to seed (default 50)
          --entitlements <n>             entitlements per type (default 10)
          --links <x>                    average memberships per account (default 2)
          --token-lifetime <seconds>     access-token lifetime (default 3600)
          --page-size <n>                override the documented default page size
          --rate-limits                  turn on the per-system rate limits
          --memory-check                 seed, page through every account over loopback, print peak working set
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, CancellationToken ct = default)
    {
        var o = output ?? Console.Out;
        Dictionary<string, string?> a;
        SimulatedSystem[] systems;
        try
        {
            a = Parse(args);
            systems = a.ContainsKey("all") ? Enum.GetValues<SimulatedSystem>()
                : a.TryGetValue("system", out var name) && name is not null ? new[] { ParseSystem(name) } : Array.Empty<SimulatedSystem>();
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            await o.WriteLineAsync(ex.Message + Environment.NewLine + Usage);
            return 2;
        }
        if (a.ContainsKey("help") || a.ContainsKey("h") || (!a.ContainsKey("system") && !a.ContainsKey("all")))
        {
            await o.WriteLineAsync(Usage);
            return a.ContainsKey("help") ? 0 : 2;
        }

        var options = new SimulatorOptions
        {
            Seed = Int(a, "seed") ?? 1,
            Accounts = Int(a, "accounts") ?? 50,
            EntitlementsPerType = Int(a, "entitlements") ?? 10,
            LinksPerAccount = a.TryGetValue("links", out var l) && l is not null ? double.Parse(l, CultureInfo.InvariantCulture) : 2,
            TokenLifetime = TimeSpan.FromSeconds(Int(a, "token-lifetime") ?? 3600),
            RateLimits = a.ContainsKey("rate-limits"),
            DefaultPageSize = Int(a, "page-size"),
        };
        var port = Int(a, "port") ?? 0;

        if (a.ContainsKey("memory-check"))
            return await MemoryCheck(systems.FirstOrDefault(SimulatedSystem.Confluent), options, o, ct);

        var running = new List<RunningSimulator>();
        try
        {
            for (int i = 0; i < systems.Length; i++)
            {
                var sim = await SimulatorHost.StartAsync(systems[i], options, port == 0 ? 0 : port + i, ct);
                running.Add(sim);
                await o.WriteLineAsync(Describe(sim));
            }
            await o.WriteLineAsync("Admin API: GET <base>/__admin/state | POST /__admin/reset | POST /__admin/mutate | POST /__admin/faults | GET /__admin/requests. Ctrl+C to stop.");
            await o.FlushAsync(ct);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            // Standalone: Ctrl+C (SIGINT), SIGTERM and SIGQUIT stop the simulators cleanly.
            var signals = output is not null ? new List<PosixSignalRegistration>() : new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGQUIT }
                .Select(sig => PosixSignalRegistration.Create(sig, c =>
                {
                    c.Cancel = true;
                    stop.Cancel();
                })).ToList();
            try { await Task.Delay(Timeout.Infinite, stop.Token); }
            catch (OperationCanceledException) { }
            finally
            {
                foreach (var r in signals) r.Dispose();
            }
            return 0;
        }
        finally
        {
            foreach (var s in running) await s.DisposeAsync();
        }
    }

    public static string Describe(RunningSimulator sim)
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"[{sim.System}] base URL: {sim.BaseUrl}");
        if (sim.ApiBaseUrl.ToString().TrimEnd('/') != sim.BaseUrl.ToString().TrimEnd('/'))
            sb.AppendLine(CultureInfo.InvariantCulture, $"[{sim.System}] API base: {sim.ApiBaseUrl}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"[{sim.System}] accounts: {sim.State.AccountCount}; entitlement types: {string.Join(", ", sim.State.EntitlementTypes)}");
        foreach (var kv in sim.Credentials.Values)
            sb.AppendLine(CultureInfo.InvariantCulture, $"[{sim.System}]   {kv.Key} = {kv.Value}");
        return sb.ToString().TrimEnd();
    }

    public static SimulatedSystem ParseSystem(string name) => name.Trim().ToLowerInvariant().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal) switch
    {
        "sap" or "sapbtp" or "btp" or "xsuaa" => SimulatedSystem.SapBtp,
        "confluent" => SimulatedSystem.Confluent,
        "incontact" or "cxone" or "nice" => SimulatedSystem.InContact,
        "signalsciences" or "sigsci" or "fastly" => SimulatedSystem.SignalSciences,
        "bynder" => SimulatedSystem.Bynder,
        _ => throw new ArgumentException($"Unknown system '{name}'"),
    };

    private static int? Int(Dictionary<string, string?> a, string key) =>
        a.TryGetValue(key, out var v) && v is not null ? int.Parse(v, CultureInfo.InvariantCulture) : null;

    private static readonly HashSet<string> Flags = new() { "all", "rate-limits", "memory-check", "help", "h" };

    private static Dictionary<string, string?> Parse(string[] args)
    {
        var d = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith('-')) throw new ArgumentException("Unexpected argument " + args[i]);
            var key = args[i].TrimStart('-');
            if (Flags.Contains(key)) d[key] = null;
            else if (i + 1 < args.Length) d[key] = args[++i];
            else throw new ArgumentException("Missing value for " + args[i]);
        }
        return d;
    }

    /// <summary>Seeds a simulator in this process, pages through every account over loopback and reports the peak working set.</summary>
    public static async Task<int> MemoryCheck(SimulatedSystem system, SimulatorOptions options, TextWriter o, CancellationToken ct = default)
    {
        var sw = Stopwatch.StartNew();
        await using var sim = await SimulatorHost.StartAsync(system, options, 0, ct);
        var seeded = sw.Elapsed;
        var expected = sim.State.AccountCount;
        await o.WriteLineAsync($"{system}: seeded {expected:N0} accounts in {seeded.TotalSeconds:F1} s; working set {Mb(Process.GetCurrentProcess().WorkingSet64)}");
        sim.Options.MaxRecordedRequests = 1000;
        using var http = new HttpClient { BaseAddress = sim.BaseUrl, Timeout = TimeSpan.FromMinutes(10) };
        var auth = await AuthFor(sim, http, ct);
        long count = 0, pages = 0;
        foreach (var first in FirstPages(sim))
        {
            string? next = first;
            var page = 1;
            while (next is not null)
            {
                using var req = new HttpRequestMessage(HttpMethod.Get, next);
                foreach (var (k, v) in auth) req.Headers.TryAddWithoutValidation(k, v);
                using var resp = await http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, ct);
                pages++;
                if (resp.StatusCode == System.Net.HttpStatusCode.NoContent) break;
                resp.EnsureSuccessStatusCode();
                await using var stream = await resp.Content.ReadAsStreamAsync(ct);
                var (items, link) = CountItems(stream);
                count += items;
                next = system switch
                {
                    SimulatedSystem.SapBtp => items == 0 ? null : $"/Users?startIndex={1 + page * 500}&count=500",
                    SimulatedSystem.Bynder => items == 0 ? null : $"/api/v4/users?includeInActive=1&limit=1000&page={page + 1}",
                    SimulatedSystem.SignalSciences => null,
                    _ => link,
                };
                page++;
            }
        }
        sw.Stop();
        var peak = Process.GetCurrentProcess().PeakWorkingSet64;
        await o.WriteLineAsync($"{system}: listed {count:N0} of {expected:N0} accounts in {pages:N0} requests, {sw.Elapsed.TotalSeconds:F1} s total");
        await o.WriteLineAsync($"{system}: peak working set {Mb(peak)} (managed heap now {Mb(GC.GetTotalMemory(false))})");
        return count == expected ? 0 : 1;
    }

    private static string Mb(long bytes) => $"{bytes / (1024.0 * 1024.0):F0} MB";

    private static IEnumerable<string> FirstPages(RunningSimulator sim) => sim.System switch
    {
        SimulatedSystem.SapBtp => new[] { "/Users?startIndex=1&count=500" },
        SimulatedSystem.Confluent => new[] { "/iam/v2/users?page_size=100", "/iam/v2/service-accounts?page_size=100" },
        SimulatedSystem.InContact => new[] { "/inContactAPI/services/v34.0/agents?top=10000" },
        SimulatedSystem.SignalSciences => new[] { $"/api/v0/corps/{sim.Credentials["corp"]}/users" },
        _ => new[] { "/api/v4/users?includeInActive=1&limit=1000&page=1" },
    };

    private static async Task<List<(string, string)>> AuthFor(RunningSimulator sim, HttpClient http, CancellationToken ct)
    {
        var c = sim.Credentials;
        switch (sim.System)
        {
            case SimulatedSystem.SapBtp:
            {
                using var req = new HttpRequestMessage(HttpMethod.Post, "/oauth/token") { Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }) };
                req.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(c["client_id"] + ":" + c["client_secret"])));
                var body = await (await http.SendAsync(req, ct)).Content.ReadAsStringAsync(ct);
                return new() { ("Authorization", "Bearer " + Newtonsoft.Json.Linq.JObject.Parse(body)["access_token"]) };
            }
            case SimulatedSystem.InContact:
            {
                using var req = new HttpRequestMessage(HttpMethod.Post, "/auth/token")
                {
                    Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "password", ["username"] = c["access_key_id"], ["password"] = c["access_key_secret"] }),
                };
                req.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(c["client_id"] + ":" + c["client_secret"])));
                var body = await (await http.SendAsync(req, ct)).Content.ReadAsStringAsync(ct);
                return new() { ("Authorization", "Bearer " + Newtonsoft.Json.Linq.JObject.Parse(body)["access_token"]) };
            }
            case SimulatedSystem.SignalSciences:
                return new() { ("x-api-user", c["x-api-user"]), ("x-api-token", c["x-api-token"]) };
            default:
                return new() { ("Authorization", c["Authorization"]) };
        }
    }

    /// <summary>Counts the records of a list response without materialising it; returns the next-page link if any.</summary>
    private static (long Items, string? Next) CountItems(Stream stream)
    {
        using var reader = new JsonTextReader(new StreamReader(stream));
        long items = 0;
        string? next = null;
        while (reader.Read())
        {
            if (reader.TokenType == JsonToken.PropertyName && (string?)reader.Value == "next" && reader.Path is "metadata.next" or "_links.next")
            {
                reader.Read();
                next = reader.Value as string;
            }
            else if (reader.TokenType == JsonToken.StartObject && reader.Path.EndsWith(']') && reader.Depth <= 2)
            {
                items++;
                reader.Skip();
            }
        }
        return (items, next);
    }
}
