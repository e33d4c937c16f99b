using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Simulators;
using AdminPortal.Web;
using AdminPortal.Web.Features.Provisioning;
using AdminPortal.Web.Features.Simulated;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.Benchmarks;

/// <summary>
/// Issue [6/7] provisioning scenarios against the Confluent package (unchanged) and its zero-latency simulator:
/// N CreateAccount tasks through WSRETRY passes (<see cref="ProvisioningTaskService.RunDueAsync"/>), against a
/// baseline that sends the same N service-account creates with a bare HttpClient over the same loopback; and
/// the latency from a manager's approval to the target holding the account, with instant provisioning on.
/// </summary>
public sealed class ProvisioningBenchmark(string packageFolder, TextWriter output)
{
    public async Task<List<Figure>> RunAsync(int taskCount, int latencySamples, CancellationToken ct = default)
    {
        var figures = new List<Figure>();
        var dataDirectory = Directory.CreateTempSubdirectory("adminportal-bench-prov-").FullName;
        await using var sim = await SimulatorHost.StartAsync(SimulatedSystem.Confluent,
            new SimulatorOptions { Seed = 9, Accounts = 10, MaxRecordedRequests = 1_000, MaxRecordedBodyChars = 256 }, ct: ct);
        var app = await PortalApp.CreateAsync(
        [
            "--urls=http://127.0.0.1:0",
            "--environment=Production",
            $"--AdminPortal:DataDirectory={dataDirectory}",
            "--AdminPortal:BootstrapAdminPassword=Bench-Passw0rd!",
            "--AdminPortal:Jobs:SchedulerEnabled=false",
            "--Logging:LogLevel:Default=Warning",
            // WSRETRY runs only when the benchmark calls it; one pass may take every task.
            "--Provisioning:IntervalSeconds=86400",
            $"--Provisioning:MaxTasksPerRun={taskCount}",
        ]) ?? throw new InvalidOperationException("the portal ran a command instead of starting");
        await app.StartAsync(ct);
        try
        {
            var services = app.Services;
            var endpoint = await services.GetRequiredService<SimulatedApplicationSetup>().SetUpAsync(sim, packageFolder, "bench-prov", "bench-prov-ep", "benchmark", ct);
            var dbFactory = services.GetRequiredService<IDbContextFactory<AdminPortalDbContext>>();
            var tasks = services.GetRequiredService<ProvisioningTaskService>();
            var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<ProvisioningOptions>>().CurrentValue;

            var (baseSeconds, baseFootprint) = await BaselineAsync(sim, taskCount, ct);
            figures.Add(new("provisioning baseline: same creates, bare HttpClient", taskCount, baseSeconds, taskCount / baseSeconds, baseFootprint, 1.0, "baseline",
                $"{taskCount} POST /iam/v2/service-accounts, sequential"));
            Print(figures[^1]);

            await SeedCreateTasksAsync(dbFactory, endpoint, taskCount, ct);
            var accountsBefore = sim.State.GetAccounts().Count;
            var phases = services.GetRequiredService<ProvisioningPhaseTimes>();
            phases.Reset();
            await using (var memory = MemorySampler.Start())
            {
                var sw = Stopwatch.StartNew();
                int passes = 0, ran;
                do
                {
                    ran = await tasks.RunDueAsync(ct);
                    passes++;
                }
                while (ran > 0);
                sw.Stop();
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                var completed = await db.ProvisioningTasks.CountAsync(t => t.Status == ProvisioningTaskStatus.Completed, ct);
                Require(completed == taskCount, $"{completed} of {taskCount} tasks completed");
                Require(sim.State.GetAccounts().Count == accountsBefore + taskCount, $"the simulator holds {sim.State.GetAccounts().Count - accountsBefore} new accounts, not {taskCount}");
                figures.Add(new("provisioning: CreateAccount tasks through WSRETRY", taskCount, sw.Elapsed.TotalSeconds, taskCount / sw.Elapsed.TotalSeconds, memory.FootprintBytes,
                    sw.Elapsed.TotalSeconds / baseSeconds, "baseline", $"{completed} completed in {passes - 1} pass(es), batches of {options.BatchSize} claimed per transaction, each task's intent recorded before its call, results and exchanges stored in groups (≤ {options.ResultFlushMilliseconds} ms); target 500 tasks/s"));
                Print(figures[^1]);
                output.WriteLine($"  where the time went: {phases.PerTask()} (wall {sw.Elapsed.TotalMilliseconds / taskCount:0.000} ms per task)");
            }

            figures.Add(await InstantLatencyAsync(services, sim, endpoint, latencySamples, ct));
            Print(figures[^1]);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            SqliteConnection.ClearAllPools();
            try { Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { }
        }

        return figures;
    }

    /// <summary>The floor: the same creates with one HttpClient, Basic auth, no portal.</summary>
    private static async Task<(double Seconds, long Footprint)> BaselineAsync(RunningSimulator sim, int count, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = sim.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(sim.Credentials["api_key"] + ":" + sim.Credentials["api_secret"])));
        await using var memory = MemorySampler.Start();
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            using var body = new StringContent($"{{\"display_name\": \"baseline-{i}\", \"description\": \"\"}}", Encoding.UTF8, "application/json");
            using var response = await http.PostAsync("/iam/v2/service-accounts", body, ct);
            Require(response.IsSuccessStatusCode, $"baseline create {i}: HTTP {(int)response.StatusCode}");
        }

        sw.Stop();
        return (sw.Elapsed.TotalSeconds, memory.FootprintBytes);
    }

    /// <summary>N people and one New CreateAccount task each, written directly (what approved requests would leave behind).</summary>
    private static async Task SeedCreateTasksAsync(IDbContextFactory<AdminPortalDbContext> dbFactory, string endpointName, int count, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var endpointId = (await db.Endpoints.SingleAsync(e => e.Name == endpointName, ct)).Id;
        var now = DateTime.UtcNow;
        var users = Enumerable.Range(0, count).Select(i => new AppUser { Username = $"bench-svc-{i}", FirstName = "Bench", LastName = i.ToString(System.Globalization.CultureInfo.InvariantCulture), CreatedUtc = now, UpdatedUtc = now }).ToList();
        db.Users.AddRange(users);
        await db.SaveChangesAsync(ct);
        db.ProvisioningTasks.AddRange(users.Select(u => new ProvisioningTask
        {
            Type = ProvisioningTaskType.CreateAccount, Status = ProvisioningTaskStatus.New, EndpointId = endpointId, UserId = u.Id, CreatedUtc = now, UpdatedUtc = now,
        }));
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Approval → the target holds the new account, with instant provisioning on (p95 over the samples).</summary>
    private static async Task<Figure> InstantLatencyAsync(IServiceProvider services, RunningSimulator sim, string endpointName, int samples, CancellationToken ct)
    {
        var dbFactory = services.GetRequiredService<IDbContextFactory<AdminPortalDbContext>>();
        await services.GetRequiredService<ProvisioningTaskService>().SetInstantGloballyAsync(true, "benchmark", ct);
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var endpoint = await db.Endpoints.Include(e => e.SecuritySystem).SingleAsync(e => e.Name == endpointName, ct);
            endpoint.SecuritySystem!.InstantProvisioning = true;
            var now = DateTime.UtcNow;
            var boss = new AppUser { Username = "bench-boss", CreatedUtc = now, UpdatedUtc = now };
            db.Users.Add(boss);
            await db.SaveChangesAsync(ct);
            db.Users.AddRange(Enumerable.Range(0, samples).Select(i => new AppUser { Username = $"bench-instant-{i}", ManagerId = boss.Id, CreatedUtc = now, UpdatedUtc = now }));
            await db.SaveChangesAsync(ct);
        }

        var requests = services.GetRequiredService<AccessRequestService>();
        var timings = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var name = $"bench-instant-{i}";
            var request = await requests.CreateAsync(new NewAccessRequest(endpointName, null, true, [], "benchmark", null), new Actor(name, false), ct);
            var sw = Stopwatch.StartNew();
            await requests.DecideAsync(request.Id, true, "ok", new Actor("bench-boss", false), ct);
            while (!sim.State.GetAccounts().Any(a => a.Attributes.GetValueOrDefault("display_name") == name))
            {
                Require(sw.Elapsed < TimeSpan.FromSeconds(30), $"{name}: no account on the target 30 s after approval");
                await Task.Delay(1, ct);
            }

            timings.Add(sw.Elapsed.TotalMilliseconds);
        }

        timings.Sort();
        var p95 = timings[(int)Math.Ceiling(0.95 * timings.Count) - 1];
        return new Figure("instant provisioning: approval → account on the target, p95", samples, p95 / 1000, samples / (timings.Sum() / 1000),
            1, p95 / 1000.0, "1 s target", $"p50 {timings[timings.Count / 2]:0.0} ms, p95 {p95:0.0} ms, max {timings[^1]:0.0} ms");
    }

    private void Print(Figure f) => output.WriteLine(BenchmarkReport.ConsoleLine(f));

    private static void Require(bool condition, string message) => BenchmarkReport.Require(condition, message);
}
