using AdminPortal.Core.Domain;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Imports;
using AdminPortal.Web.Features.Simulated;
using AdminPortal.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.Web.Tests.Imports;

/// <summary>
/// Sets a real package up against a simulator the way an administrator does (Transport import,
/// ConnectionJSON, placeholders, rewrites, security system, endpoint) and runs imports to completion.
/// </summary>
public sealed class ImportHarness(PortalFactory factory)
{
    public T Service<T>() where T : notnull => factory.Services.GetRequiredService<T>();

    public static string PackagePath(string file) =>
        Path.Combine(SimulatedApplicationSetup.FindPackageFolder(AppContext.BaseDirectory) ?? throw new DirectoryNotFoundException("../shared/packages/saviynt"), file);

    /// <summary>Returns the endpoint name.</summary>
    public Task<string> SetUpAsync(RunningSimulator sim, string suffix = "") =>
        Service<SimulatedApplicationSetup>().SetUpAsync(sim, Path.GetDirectoryName(PackagePath("Confluent.zip"))!, $"{sim.System}{suffix}", $"{sim.System}{suffix}-ep", "tests");

    public async Task<JobRun> RunAsync(string endpoint, bool preview = false, TimeSpan? timeout = null)
    {
        var id = await Service<ImportService>().QueueAsync(new ImportRequest(endpoint, "full", preview, "test", "tests"));
        return await WaitAsync(id, timeout);
    }

    public async Task<JobRun> WaitAsync(long runId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            await using var db = factory.CreateDbContext();
            var run = await db.JobRuns.AsNoTracking().SingleAsync(r => r.Id == runId);
            if (run.Status is not (JobRunStatus.Queued or JobRunStatus.Running)) return run;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Run {runId} still {run.Status} (phase {run.Phase}).");
            await Task.Delay(100);
        }
    }

    /// <summary>The endpoint's repository in the simulator's neutral shape, for field-by-field comparison.</summary>
    public async Task<(List<(string Id, string Name, AccountStatus Status)> Accounts, List<(string Type, string Id, string Value, EntitlementStatus Status)> Entitlements, List<(string Type, string AccountId, string EntitlementId)> Links)> ReadAsync(string endpoint)
    {
        await using var db = factory.CreateDbContext();
        var ep = await db.Endpoints.SingleAsync(e => e.Name == endpoint);
        var accounts = (await db.Accounts.Where(a => a.EndpointId == ep.Id).Select(a => new { a.AccountId, a.Name, a.Status }).ToListAsync())
            .Select(a => (a.AccountId, a.Name, a.Status)).ToList();
        var entitlements = (await db.EntitlementValues.Where(v => v.EndpointId == ep.Id).Select(v => new { v.EntitlementType!.Name, v.EntitlementId, v.Value, v.Status }).ToListAsync())
            .Select(v => (v.Name, v.EntitlementId, v.Value, v.Status)).ToList();
        var links = (await (from l in db.AccountEntitlements
                            join a in db.Accounts on l.AccountId equals a.Id
                            join v in db.EntitlementValues on l.EntitlementValueId equals v.Id
                            where a.EndpointId == ep.Id
                            select new { v.EntitlementType!.Name, a.AccountId, v.EntitlementId }).ToListAsync())
            .Select(l => (l.Name, l.AccountId, l.EntitlementId)).ToList();
        return (accounts, entitlements, links);
    }
}
