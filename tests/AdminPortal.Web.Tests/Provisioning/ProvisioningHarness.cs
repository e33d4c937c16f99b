using System.Net.Http.Headers;
using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Domain;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Imports;
using AdminPortal.Web.Features.Provisioning;
using AdminPortal.Web.Features.SecuritySystems;
using AdminPortal.Web.Features.Simulated;
using AdminPortal.Web.Features.Users;
using AdminPortal.Web.Security;
using AdminPortal.Web.Tests.Infrastructure;
using AdminPortal.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.Web.Tests.Provisioning;

/// <summary>
/// The real portal (TestServer, own SQLite) with one package set up against its simulator, people with managers,
/// fast retry settings, and helpers to request, approve, wait for tasks and import.
/// </summary>
public sealed class ProvisioningHarness : IAsyncDisposable
{
    private readonly PortalFactory _factory;
    private readonly WebApplicationFactory<Program> _host;

    private ProvisioningHarness(PortalFactory factory, WebApplicationFactory<Program> host, RunningSimulator sim, string endpoint)
    {
        _factory = factory;
        _host = host;
        Sim = sim;
        Endpoint = endpoint;
    }

    public RunningSimulator Sim { get; }
    public string Endpoint { get; }
    public string DataDirectory => _factory.DataDirectory;
    public T Service<T>() where T : notnull => _host.Services.GetRequiredService<T>();
    public AdminPortalDbContext Db() => _host.Services.GetRequiredService<IDbContextFactory<AdminPortalDbContext>>().CreateDbContext();

    /// <summary>Retry settings used unless a test passes its own: 3 attempts, 1 s base delay, WSRETRY every second.</summary>
    public static readonly Dictionary<string, string> FastRetries = new()
    {
        ["Provisioning:IntervalSeconds"] = "1",
        ["Provisioning:MaxAttempts"] = "3",
        ["Provisioning:BaseDelaySeconds"] = "1",
        ["Provisioning:MaxDelaySeconds"] = "2",
        ["Provisioning:JitterFraction"] = "0",
    };

    public static async Task<ProvisioningHarness> StartAsync(SimulatedSystem system, bool instant, IDictionary<string, string>? settings = null,
        string? correlationRule = null, ApproverMode approverMode = ApproverMode.Manager, string? approverUsernames = null, string? existingDataDirectory = null, bool keepDataDirectory = false,
        Action<IServiceCollection>? services = null)
    {
        var sim = await SimulatorHost.StartAsync(system, new SimulatorOptions { Seed = 7, Accounts = 12, EntitlementsPerType = 4, LinksPerAccount = 1 });
        var factory = new PortalFactory { KeepDataDirectory = keepDataDirectory };
        var host = factory.WithWebHostBuilder(b =>
        {
            foreach (var (k, v) in settings ?? FastRetries) b.UseSetting(k, v);
            if (existingDataDirectory is not null) b.UseSetting("AdminPortal:DataDirectory", existingDataDirectory);
            // Connector-level retries off and a short per-call timeout: the task layer's own retries are what is tested.
            b.ConfigureServices(s => s.AddSingleton(new ResilienceSettings
            {
                MaxRetryAttempts = 0, AttemptTimeout = TimeSpan.FromSeconds(2), BreakerMinimumThroughput = 100_000, UseJitter = false,
            }));
            if (services is not null) b.ConfigureServices(services);
        });
        _ = host.Server;
        var name = $"{system}-prov";
        var endpoint = existingDataDirectory is null
            ? await host.Services.GetRequiredService<SimulatedApplicationSetup>().SetUpAsync(sim, Path.GetDirectoryName(PackagePath("Confluent.zip"))!, name, name + "-ep", "tests")
            : name + "-ep";
        var harness = new ProvisioningHarness(factory, host, sim, endpoint);
        if (existingDataDirectory is null)
        {
            await harness.ConfigureAsync(instant, correlationRule, approverMode, approverUsernames);
            await harness.AddUserAsync("boss", null, "boss@example.test");
        }

        return harness;
    }

    public static string PackagePath(string file) =>
        Path.Combine(SimulatedApplicationSetup.FindPackageFolder(AppContext.BaseDirectory) ?? throw new DirectoryNotFoundException("../shared/packages/saviynt"), file);

    public async Task ConfigureAsync(bool instant, string? correlationRule, ApproverMode mode, string? approverUsernames)
    {
        var systems = Service<SecuritySystemService>();
        var ep = (await systems.GetEndpointAsync(Endpoint))!;
        var system = (await systems.GetAsync(ep.SecuritySystem!.Name))!;
        var errors = await systems.SaveAsync(system.Id, new SecuritySystemEdit(system.Name, system.DisplayName, null, system.ImportConnection?.Name, system.ProvisioningConnection?.Name, instant), "tests");
        Assert.Empty(errors);
        errors = await systems.SaveEndpointAsync(ep.Id, new EndpointEdit(ep.Name, ep.DisplayName, null, system.Name, null, null, correlationRule, mode, approverUsernames,
            ep.EntitlementTypes.Select(t => new EntitlementTypeEdit(t.Name, t.DisplayOrder, t.CustomPropertyLabelsJson)).ToList()), "tests");
        Assert.Empty(errors);
        await Service<ProvisioningTaskService>().SetInstantGloballyAsync(instant, "tests");
    }

    public async Task AddUserAsync(string username, string? manager, string email, params (string Property, string Value)[] customProperties)
    {
        var errors = await Service<UserService>().SaveAsync(null, new UserEdit(username, username, "Test", email, manager, UserStatus.Active, [SavRoles.EndUser]), "Passw0rd!Passw0rd", "tests");
        Assert.Empty(errors);
        if (customProperties.Length == 0) return;
        await using var db = Db();
        var user = await db.Users.SingleAsync(u => u.Username == username);
        foreach (var (property, value) in customProperties) typeof(AppUser).GetProperty(property)!.SetValue(user, value);
        await db.SaveChangesAsync();
    }

    public async Task AddRoleAsync(string username, string role)
    {
        await using var db = Db();
        var user = await db.Users.SingleAsync(u => u.Username == username);
        db.UserRoles.Add(new UserRole { UserId = user.Id, Role = role });
        await db.SaveChangesAsync();
    }

    public HttpClient AnonymousClient() => _host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>A client with an API token of the user (tokens are for administrators).</summary>
    public HttpClient ApiClient(string username)
    {
        var token = Service<ApiTokenService>().CreateAsync(username, "tests", 1, "tests").GetAwaiter().GetResult();
        var client = _host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        return client;
    }

    public async Task<JobRun> ImportAsync()
    {
        var id = await Service<ImportService>().QueueAsync(new ImportRequest(Endpoint, "full", false, "test", "tests"));
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            await using var db = Db();
            var run = await db.JobRuns.AsNoTracking().SingleAsync(r => r.Id == id);
            if (run.Status is not (JobRunStatus.Queued or JobRunStatus.Running))
            {
                Assert.True(run.Status == JobRunStatus.Succeeded, $"import {run.Status}: {run.Error}");
                return run;
            }

            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Import {id} still {run.Status}.");
            await Task.Delay(100);
        }
    }

    public async Task<List<ProvisioningTask>> TasksOfAsync(long requestId)
    {
        await using var db = Db();
        return await db.ProvisioningTasks.AsNoTracking().Where(t => t.AccessRequestId == requestId).OrderBy(t => t.Id).ToListAsync();
    }

    /// <summary>Waits until every task of the request satisfies the condition.</summary>
    public async Task<List<ProvisioningTask>> WaitForTasksAsync(long requestId, Func<ProvisioningTask, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var tasks = await TasksOfAsync(requestId);
            if (tasks.Count > 0 && tasks.All(done)) return tasks;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("Tasks: " + string.Join("; ", tasks.Select(t => $"{t.Id} {t.Type} {t.Status} attempts={t.Attempts} next={t.NextAttemptUtc:O} error={t.LastError}")));
            await Task.Delay(100);
        }
    }

    public static bool IsFinal(ProvisioningTask t) =>
        t.Status is ProvisioningTaskStatus.Completed or ProvisioningTaskStatus.Cancelled or ProvisioningTaskStatus.NeedsReview
        || t.Status == ProvisioningTaskStatus.Failed && t.NextAttemptUtc is null;

    private bool _portalStopped;

    /// <summary>Stops the in-process portal (releasing its database) and keeps the simulator running.</summary>
    public async Task StopPortalAsync()
    {
        if (_portalStopped) return;
        _portalStopped = true;
        await _host.DisposeAsync();
        await _factory.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopPortalAsync();
        await Sim.DisposeAsync();
    }
}
