using System.Net;
using AdminPortal.Core.Domain;
using AdminPortal.Simulators;
using AdminPortal.Web.Features.Repository;
using AdminPortal.Web.Tests.Imports;
using AdminPortal.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AdminPortal.Web.Tests.Repository;

/// <summary>The Identity Repository queries behind the Accounts and Entitlements pages, on a real import.</summary>
public class RepositoryTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private readonly ImportHarness harness = new(factory);
    private static int counter;

    private RepositoryService Repository => factory.Services.GetRequiredService<RepositoryService>();

    private async Task<(RunningSimulator Sim, string Endpoint)> ImportedAsync(int accounts = 30)
    {
        var sim = await SimulatorHost.StartAsync(SimulatedSystem.SapBtp, new SimulatorOptions { Seed = 41, Accounts = accounts, EntitlementsPerType = 5, LinksPerAccount = 2 });
        var endpoint = await harness.SetUpAsync(sim, "-repo" + Interlocked.Increment(ref counter));
        var run = await harness.RunAsync(endpoint);
        Assert.True(run.Status == JobRunStatus.Succeeded, run.Error);
        return (sim, endpoint);
    }

    [Fact]
    public void AccountColumnLabels_FromImportJson_LabelsOnlyMappedCustomProperties()
    {
        const string json = """
        {
          "accountParams": {
            "connection": "acctAuth",
            "call": {
              "call1": {
                "callOrder": 0,
                "http": { "url": "https://x/users", "httpMethod": "GET", "httpContentType": "application/json" },
                "listField": "resources",
                "keyField": "accountID",
                "colsToPropsMap": {
                  "accountID": "id~#~char",
                  "name": "userName~#~char",
                  "customproperty2": "emails.value~#~char",
                  "customproperty10": "origin~#~char",
                  "customproperty1": "#CONST#${response.x}~#~char",
                  "customproperty31": "STORE#ACC#ENT#MAPPINGINFO~#~char"
                }
              }
            }
          }
        }
        """;

        var labels = RepositoryService.AccountColumnLabels(json);

        Assert.Equal(["CustomProperty1", "CustomProperty2", "CustomProperty10"], labels.Keys);
        Assert.Equal("emails.value", labels["CustomProperty2"]);
        Assert.Equal("origin", labels["CustomProperty10"]);
        Assert.Equal("customproperty1", labels["CustomProperty1"]);
        Assert.Empty(RepositoryService.AccountColumnLabels("{ not json"));
    }

    [Fact]
    public async Task Accounts_PagesInStableOrderWithoutOverlap_FilterAndSortOnTheServer()
    {
        var (sim, endpoint) = await ImportedAsync();
        await using var _ = sim;

        var seen = new List<string>();
        for (var skip = 0; skip < 30; skip += 7)
        {
            var (rows, count) = await Repository.AccountsAsync(new AccountFilter(endpoint), [new AccountSort("Name", true)], skip, 7);
            Assert.Equal(30, count);
            seen.AddRange(rows.Select(r => r.AccountId));
        }

        Assert.Equal(sim.State.GetAccounts().Select(a => a.Id).Order(), seen.Order());
        var expectedOrder = sim.State.GetAccounts().OrderByDescending(a => a.Name, StringComparer.Ordinal).Select(a => a.Id);
        Assert.Equal(expectedOrder, seen);

        var inactive = sim.State.GetAccounts().Where(a => !a.Active).ToList();
        var (inactiveRows, inactiveCount) = await Repository.AccountsAsync(new AccountFilter(endpoint, Status: AccountStatus.Inactive), null, 0, 100);
        Assert.Equal(inactive.Count, inactiveCount);
        Assert.Equal(inactive.Select(a => a.Id).Order(), inactiveRows.Select(r => r.AccountId).Order());

        // A custom property the package maps, filtered with LIKE wildcards taken literally.
        var labels = await Repository.AccountColumnLabelsAsync(endpoint);
        Assert.NotEmpty(labels);
        await using var db = factory.CreateDbContext();
        var ep = await db.Endpoints.SingleAsync(e => e.Name == endpoint);
        var column = labels.Keys.First(c => db.Accounts.Where(a => a.EndpointId == ep.Id).Any(a => EF.Property<string>(a, c) != null));
        var sample = await db.Accounts.Where(a => a.EndpointId == ep.Id && EF.Property<string>(a, column) != null).Select(a => new { a.AccountId, Value = EF.Property<string>(a, column) }).FirstAsync();
        var (byProperty, _) = await Repository.AccountsAsync(new AccountFilter(endpoint, Property: column, PropertyValue: sample.Value), null, 0, 100);
        Assert.Contains(byProperty, a => a.AccountId == sample.AccountId);
        Assert.All(byProperty, a => Assert.Contains(sample.Value, (string)typeof(Account).GetProperty(column)!.GetValue(a)!, StringComparison.OrdinalIgnoreCase));
        var (sorted, _) = await Repository.AccountsAsync(new AccountFilter(endpoint), [new AccountSort(column, true)], 0, 30);
        var values = sorted.Select(a => (string?)typeof(Account).GetProperty(column)!.GetValue(a)).ToList();
        Assert.Equal(values.OrderDescending(StringComparer.Ordinal), values);
        var (none, noneCount) = await Repository.AccountsAsync(new AccountFilter(endpoint, Text: "%"), null, 0, 100);
        Assert.Empty(none);
        Assert.Equal(0, noneCount);
    }

    [Fact]
    public async Task Entitlements_MemberCountsMatchTheTarget_AndMembersPageLists()
    {
        var (sim, endpoint) = await ImportedAsync();
        await using var _ = sim;

        var (rows, count) = await Repository.EntitlementsAsync(endpoint, "Groups", null, null, "Members", true, 0, 50);

        Assert.Equal(5, count);
        foreach (var row in rows)
            Assert.Equal(sim.State.GetMemberships("Groups").Count(m => m.EntitlementId == row.EntitlementId), row.Members);
        Assert.Equal(rows.Select(r => r.Members).OrderDescending(), rows.Select(r => r.Members));
        var top = rows[0];
        var (members, memberCount) = await Repository.MembersAsync(top.Id, null, 0, 100);
        Assert.Equal(top.Members, memberCount);
        Assert.Equal(sim.State.GetMemberships("Groups").Where(m => m.EntitlementId == top.EntitlementId).Select(m => m.AccountId).Order(), members.Select(m => m.TargetId).Order());
    }

    [Fact]
    public async Task CsvExport_SignedInReviewer_StreamsTheFilteredRowsWithMappedHeaders()
    {
        var (sim, endpoint) = await ImportedAsync();
        await using var _ = sim;
        await Users.UserSeeding.AddUserAsync(factory, "csv-reviewer", "Reviewer-Passw0rd", SavRoles.Reviewer);
        var client = await SignedInClient.CreateAsync(factory, "csv-reviewer", "Reviewer-Passw0rd");

        var all = await client.GetAsync($"/identities/accounts/export.csv?endpoint={endpoint}");
        var active = await client.GetStringAsync($"/identities/accounts/export.csv?endpoint={endpoint}&status=Active");

        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Equal("text/csv", all.Content.Headers.ContentType!.MediaType);
        var lines = (await all.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("accountId,name,displayName,status,owner", lines[0]);
        foreach (var label in (await Repository.AccountColumnLabelsAsync(endpoint)).Values) Assert.Contains(label, lines[0]);
        Assert.Equal(31, lines.Length);
        Assert.Equal(sim.State.GetAccounts().Count(a => a.Active) + 1, active.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/identities/accounts/export.csv?endpoint=nope")).StatusCode);
        // Reviewers read the repository pages; the Jobs pages are for administrators.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/identities/accounts?endpoint={endpoint}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/identities/entitlements")).StatusCode);
        var jobs = await client.GetAsync("/jobs");
        Assert.Equal(HttpStatusCode.Redirect, jobs.StatusCode);
        Assert.Contains("/account/denied", jobs.Headers.Location!.OriginalString);
    }
}
