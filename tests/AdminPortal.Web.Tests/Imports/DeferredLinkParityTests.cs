using AdminPortal.Core.Connectors.Import;
using AdminPortal.Core.Domain;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Connections;
using AdminPortal.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AdminPortal.Web.Tests.Imports;

/// <summary>
/// The portal's import resolves memberships in the staging file (StagingSink is an IDeferredLinkSink); the engine's own
/// in-memory resolution is the reference. For each real package the same connection is read once through ImportService
/// and once by the engine into a plain in-memory sink: same links, same link count, same unresolved-link warning.
/// </summary>
public class DeferredLinkParityTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private readonly ImportHarness harness = new(factory);

    [Theory]
    [MemberData(nameof(ImportEndToEndTests.Systems), MemberType = typeof(ImportEndToEndTests))]
    public async Task Package_import_through_the_staging_file_links_exactly_what_the_in_memory_resolution_links(SimulatedSystem system)
    {
        await using var sim = await SimulatorHost.StartAsync(system, new SimulatorOptions
        {
            Seed = 11, Accounts = system == SimulatedSystem.Confluent ? 12 : 60, EntitlementsPerType = 6, LinksPerAccount = 3, InContactTopLevelAgents = true,
        });
        var endpoint = await harness.SetUpAsync(sim, "-parity");

        var run = await harness.RunAsync(endpoint);
        Assert.True(run.Status == JobRunStatus.Succeeded, $"{run.Status}: {run.Error}\n{run.Log}");
        var (_, _, links) = await harness.ReadAsync(endpoint);

        var reference = new InMemorySink();
        ImportResult result;
        await using (var db = factory.CreateDbContext())
        {
            var connection = (await db.Endpoints.Include(e => e.SecuritySystem).ThenInclude(s => s!.ImportConnection).ThenInclude(c => c!.Attributes)
                .SingleAsync(e => e.Name == endpoint)).SecuritySystem!.ImportConnection!;
            var engines = harness.Service<ConnectorEngineFactory>();
            var attributes = engines.DecryptAttributes(connection);
            result = await engines.Create(connection, attributes).RunImportAsync(ConnectorEngineFactory.Parse(connection.Name, attributes), reference);
        }

        Assert.True(result.IsComplete, result.Failure?.ToString());
        Assert.Equal(reference.Links.Select(l => (l.EntitlementType, l.AccountId, l.EntitlementId)).Order(), links.Order());
        Assert.Equal(result.LinkCount, links.Count);
        Assert.Contains($"read {result.AccountCount} account(s), {result.EntitlementCounts.Values.Sum()} entitlement(s), {result.LinkCount} link(s)", run.Log);
        var unresolved = result.Warnings.Where(w => w.Contains("link(s) referenced unknown", StringComparison.Ordinal)).ToList();
        Assert.All(unresolved, w => Assert.Contains("warning: " + w, run.Log));
        if (unresolved.Count == 0) Assert.DoesNotContain("link(s) referenced unknown", run.Log);
    }

    /// <summary>A sink without the deferred capability: the engine resolves links in memory.</summary>
    private sealed class InMemorySink : IImportSink
    {
        public List<ImportedLink> Links { get; } = [];

        public ValueTask OnAccountAsync(ImportedAccount account, CancellationToken ct) => ValueTask.CompletedTask;

        public ValueTask OnEntitlementTypeAsync(ImportedEntitlementType type, CancellationToken ct) => ValueTask.CompletedTask;

        public ValueTask OnEntitlementAsync(ImportedEntitlement entitlement, CancellationToken ct) => ValueTask.CompletedTask;

        public ValueTask OnLinkAsync(ImportedLink link, CancellationToken ct)
        {
            Links.Add(link);
            return ValueTask.CompletedTask;
        }

        public ValueTask OnProgressAsync(ImportProgress progress, CancellationToken ct) => ValueTask.CompletedTask;
    }
}
