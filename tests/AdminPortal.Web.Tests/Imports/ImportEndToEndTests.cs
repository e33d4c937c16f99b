using AdminPortal.Core.Domain;
using AdminPortal.Simulators;
using AdminPortal.Web.Tests.Infrastructure;

namespace AdminPortal.Web.Tests.Imports;

/// <summary>The five real packages, run unchanged against their simulators, import exactly what the target holds.</summary>
public class ImportEndToEndTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private readonly ImportHarness harness = new(factory);

    public static TheoryData<SimulatedSystem> Systems => new() { SimulatedSystem.Confluent, SimulatedSystem.SapBtp, SimulatedSystem.InContact, SimulatedSystem.SignalSciences, SimulatedSystem.Bynder };

    [Theory]
    [MemberData(nameof(Systems))]
    public async Task FullImport_RealPackage_BringsExactlyTheSimulatorsAccountsEntitlementsAndMemberships(SimulatedSystem system)
    {
        // Confluent's package sends no paging parameters: keep its lists within the API's default page of 10.
        await using var sim = await SimulatorHost.StartAsync(system, new SimulatorOptions
        {
            Seed = 7, Accounts = system == SimulatedSystem.Confluent ? 12 : 40, EntitlementsPerType = 5, LinksPerAccount = 2,
            // The package reads `agents` at the top of GET /teams/{id}; see docs/simulators.md "Package compatibility".
            InContactTopLevelAgents = true,
        });
        var endpoint = await harness.SetUpAsync(sim);

        var run = await harness.RunAsync(endpoint);

        Assert.True(run.Status == JobRunStatus.Succeeded, $"{run.Status}: {run.Error}\n{run.Log}");
        var (accounts, entitlements, links) = await harness.ReadAsync(endpoint);
        // Bynder lists disabled users only with includeInActive, which the package does not send.
        var expectedAccounts = sim.State.GetAccounts().Where(a => system != SimulatedSystem.Bynder || a.Active).ToList();
        Assert.Equal(expectedAccounts.Select(a => (a.Id, a.Name, a.Active ? AccountStatus.Active : AccountStatus.Inactive)).OrderBy(a => a.Id),
            accounts.OrderBy(a => a.Id));
        foreach (var type in entitlements.Select(e => e.Type).Distinct())
        {
            var expected = sim.State.GetEntitlements(type).Select(e => (type, e.Id, e.Value, EntitlementStatus.Active)).OrderBy(e => e.Id).ToList();
            Assert.Equal(expected, entitlements.Where(e => e.Type == type).OrderBy(e => e.Id));
            // The Confluent package has an empty acctEntParams: it imports no memberships.
            var expectedLinks = system == SimulatedSystem.Confluent ? [] : sim.State.GetMemberships(type).Where(m => expectedAccounts.Any(a => a.Id == m.AccountId)).Select(m => (type, m.AccountId, m.EntitlementId)).Distinct().OrderBy(l => l.AccountId).ThenBy(l => l.EntitlementId).ToList();
            Assert.Equal(expectedLinks, links.Where(l => l.Type == type).OrderBy(l => l.AccountId).ThenBy(l => l.EntitlementId));
        }

        Assert.NotEmpty(entitlements);
    }
}
