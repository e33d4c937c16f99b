using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Imports;
using AdminPortal.Web.Features.Provisioning;
using AdminPortal.Web.Features.Simulated;
using AdminPortal.Web.Features.Transport;
using AdminPortal.Web.Features.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AdminPortal.Web.Features.Demo;

/// <summary>Demo mode refused to start: the database holds data that demo mode did not create.</summary>
public sealed class DemoRefusedException(string message) : Exception(message);

/// <summary>The five simulators demo mode runs in-process; stopped when the portal stops.</summary>
public sealed class DemoEnvironment : IAsyncDisposable
{
    public IReadOnlyList<RunningSimulator> Simulators { get; internal set; } = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var sim in Simulators) await sim.DisposeAsync();
        Simulators = [];
    }
}

/// <summary>
/// Demo mode (README: <c>-- --demo</c>): refuses a database holding non-demo data, starts the five simulators on
/// loopback, creates the demo people, imports one package per simulated application through Transport (the same
/// code path as the admin pages), points each connection at its simulator, turns instant provisioning on and
/// queues the first imports.
/// </summary>
public sealed class DemoMode(
    IOptions<DemoOptions> options,
    DemoEnvironment environment,
    IDbContextFactory<AdminPortalDbContext> dbFactory,
    UserService users,
    TransportService transport,
    SimulatedApplicationSetup setup,
    ImportService imports,
    ProvisioningTaskService provisioning,
    TimeProvider clock,
    ILogger<DemoMode> logger)
{
    /// <summary>GlobalSetting that marks a database as created by demo mode.</summary>
    public const string MarkerKey = "DemoDatabase";
    private const string Actor = "demo";

    public async Task<IReadOnlyList<DemoPackage>> StartAsync(CancellationToken ct = default)
    {
        var settings = options.Value;
        await GuardAsync(ct);
        environment.Simulators = await SimulatorHost.StartAllAsync(new SimulatorOptions
        {
            Seed = settings.Seed,
            Accounts = settings.Accounts,
            EntitlementsPerType = 6,
            LinksPerAccount = 2,
        }, basePort: 0, ct);
        await SeedPeopleAsync(settings.Password, ct);

        var packages = new List<DemoPackage>();
        foreach (var sim in environment.Simulators)
        {
            var package = DemoPackageBuilder.Build(sim, clock.GetUtcNow().UtcDateTime);
            var decisions = new Dictionary<string, string>
            {
                [$"{TransportService.ConnectionKind}/{package.ConnectionName}"] = TransportActions.Overwrite,
                [$"{TransportService.SecuritySystemKind}/{package.SecuritySystemName}"] = TransportActions.Overwrite,
                [$"{TransportService.EndpointKind}/{package.EndpointName}"] = TransportActions.Overwrite,
            };
            var outcome = await transport.ImportAsync(package.Zip, package.FileName, decisions, Actor, "demo", ct);
            if (outcome.Status != "succeeded")
            {
                throw new InvalidOperationException($"Demo mode could not import its package {package.FileName}: "
                    + string.Join("; ", outcome.Errors.Concat(outcome.Objects.SelectMany(o => o.Errors))));
            }

            await setup.PointAtSimulatorAsync(package.Profile, package.PlaceholderValues, Actor, ct);
            packages.Add(package);
            logger.LogInformation("Demo: {System} simulator at {BaseUrl}, endpoint {Endpoint}", sim.System, sim.BaseUrl, package.EndpointName);
        }

        await provisioning.SetInstantGloballyAsync(true, Actor, ct);
        if (settings.ImportAtStartup)
        {
            foreach (var package in packages)
                await imports.QueueAsync(new ImportRequest(package.EndpointName, "full", false, "startup", Actor), ct);
        }

        return packages;
    }

    /// <summary>Demo mode only ever writes to a database it created itself (or an empty one).</summary>
    private async Task GuardAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.GlobalSettings.AnyAsync(s => s.Key == MarkerKey && s.Value == "true", ct)) return;
        var demoNames = DemoPeople.All.Select(p => p.Username).ToList();
        var foreignUsers = await db.Users.Where(u => !demoNames.Contains(u.Username)).OrderBy(u => u.Username).Select(u => u.Username).Take(3).ToListAsync(ct);
        var hasConfiguration = await db.Connections.AnyAsync(ct) || await db.SecuritySystems.AnyAsync(ct) || await db.Endpoints.AnyAsync(ct);
        if (foreignUsers.Count > 0 || hasConfiguration)
        {
            var what = foreignUsers.Count > 0 ? $"users ({string.Join(", ", foreignUsers)})" : "connections, security systems or endpoints";
            throw new DemoRefusedException(
                $"Demo mode refuses to start: the database {db.Database.GetDbConnection().DataSource} holds {what} that demo mode did not create. "
                + "Start without --demo, or point AdminPortal:Demo:DatabaseFileName (or AdminPortal:DataDirectory) at a fresh file.");
        }

        db.GlobalSettings.Add(new GlobalSetting { Key = MarkerKey, Value = "true" });
        await db.SaveChangesAsync(ct);
    }

    private async Task SeedPeopleAsync(string password, CancellationToken ct)
    {
        foreach (var person in DemoPeople.All)
        {
            var existing = await users.FindAsync(person.Username, ct);
            if (existing is not null) continue;
            var errors = await users.SaveAsync(null,
                new UserEdit(person.Username, person.FirstName, person.LastName, $"{person.Username}@demo.example", person.Manager, UserStatus.Active, [person.Role]),
                password, Actor, ct);
            if (errors.Count > 0)
                throw new InvalidOperationException($"Demo mode could not create {person.Username}: {string.Join("; ", errors.Values)}");
        }
    }

}
