using System.Net;
using System.Text.RegularExpressions;

namespace AdminPortal.Simulators.Tests;

public sealed class SimulatorCliTests
{
    [Fact]
    public async Task RunAsync_All_PrintsFiveBaseUrlsAndCredentialsThatWork()
    {
        var output = new StringWriter();
        var sync = TextWriter.Synchronized(output);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = SimulatorCli.RunAsync(new[] { "--all", "--seed", "500", "--accounts", "20" }, sync, cts.Token);
        while (!output.ToString().Contains("Admin API:", StringComparison.Ordinal) && !run.IsCompleted) await Task.Delay(50, cts.Token);
        var text = output.ToString();

        var urls = Regex.Matches(text, @"\[(\w+)\] base URL: (http://127\.0\.0\.1:\d+/)").ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        Assert.Equal(Enum.GetNames<SimulatedSystem>().OrderBy(x => x), urls.Keys.OrderBy(x => x));
        Assert.Contains("[Confluent]   api_key = ", text);
        Assert.Contains("[SapBtp]   client_secret = ", text);
        Assert.Contains("[InContact]   access_key_secret = ", text);
        Assert.Contains("[SignalSciences]   x-api-token = ", text);
        Assert.Contains("[Bynder]   token = ", text);
        Assert.Contains("[InContact] API base: " + urls["InContact"] + "inContactAPI/services/v34.0", text);

        // The printed Confluent credentials authenticate against the printed base URL.
        var auth = Regex.Match(text, @"\[Confluent\]   Authorization = (.+)").Groups[1].Value.Trim();
        using var http = new HttpClient();
        var req = new HttpRequestMessage(HttpMethod.Get, urls["Confluent"] + "iam/v2/users");
        req.Headers.TryAddWithoutValidation("Authorization", auth);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(req)).StatusCode);
        var bynderToken = Regex.Match(text, @"\[Bynder\]   Authorization = (.+)").Groups[1].Value.Trim();
        var req2 = new HttpRequestMessage(HttpMethod.Get, urls["Bynder"] + "api/v4/users");
        req2.Headers.TryAddWithoutValidation("Authorization", bynderToken);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(req2)).StatusCode);

        cts.Cancel();
        Assert.Equal(0, await run);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetAsync(urls["Confluent"] + "iam/v2/users"));
    }

    [Fact]
    public async Task StartAllAsync_FiveSystems_EachServesItsOwnApi()
    {
        var sims = await SimulatorHost.StartAllAsync(new SimulatorOptions { Accounts = 10 });
        try
        {
            Assert.Equal(Enum.GetValues<SimulatedSystem>(), sims.Select(s => s.System));
            Assert.Equal(5, sims.Select(s => s.BaseUrl.Port).Distinct().Count());
            using var http = new HttpClient();
            foreach (var sim in sims)
            {
                var state = await (await http.GetAsync(new Uri(sim.BaseUrl, "__admin/state?limit=1"))).ReadJson();
                Assert.Equal(sim.System.ToString(), (string?)state["system"]);
            }
        }
        finally
        {
            foreach (var s in sims) await s.DisposeAsync();
        }
    }

    [Fact]
    public async Task RunAsync_UnknownSystem_PrintsUsageAndFails()
    {
        var output = new StringWriter();
        Assert.Equal(2, await SimulatorCli.RunAsync(new[] { "--system", "nope" }, output));
        Assert.Contains("--memory-check", output.ToString());
    }

    [Fact]
    public async Task MemoryCheck_SmallStore_ListsEveryAccount()
    {
        foreach (var system in Enum.GetValues<SimulatedSystem>())
        {
            var output = new StringWriter();
            var rc = await SimulatorCli.MemoryCheck(system, new SimulatorOptions { Accounts = 1200 }, output);
            Assert.True(rc == 0, output.ToString());
            Assert.Contains("listed 1,200 of 1,200 accounts", output.ToString());
            Assert.Contains("peak working set", output.ToString());
        }
    }
}
