using System.Net;
using AdminPortal.Core.Domain;
using AdminPortal.Web.Features.Repository;
using AdminPortal.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Endpoint = AdminPortal.Core.Domain.Endpoint;

namespace AdminPortal.Web.Tests.Repository;

/// <summary>ADR-019: the account property filter's exact mode (SQL <c>=</c>, case-sensitive) beside the default "contains".</summary>
public class PropertyMatchTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private RepositoryService Repository => factory.Services.GetRequiredService<RepositoryService>();

    /// <summary>An endpoint whose accounts are named by their position and carry the given CustomProperty11 values.</summary>
    private async Task<string> EndpointWithStatusColumnAsync(IEnumerable<string?> values, AccountStatus status = AccountStatus.Active) =>
        (await factory.AddEndpointWithAccountsAsync("match", values.Select((v, i) => new Account
        {
            Name = $"acct{i:D6}", AccountId = $"m-{i}", Status = status, CustomProperty11 = v, CustomProperty3 = v,
        }))).Name;

    private static readonly string?[] Values = ["true", "TRUE", "True", "untrue", "true-ish", "true ", "tr_e", "%", null, "false"];

    [Theory]
    [InlineData("customproperty11", "true", PropertyMatch.Equals, new[] { "true" })]              // not "TRUE", "untrue", "true-ish" nor "true " (stored)
    [InlineData("CustomProperty11", "  true  ", PropertyMatch.Equals, new[] { "true" })]          // the typed text is trimmed, as every filter's is
    [InlineData("customproperty11", "TRUE", PropertyMatch.Equals, new[] { "TRUE" })]              // case-sensitive
    [InlineData("customproperty11", "tr_e", PropertyMatch.Equals, new[] { "tr_e" })]              // no wildcards
    [InlineData("customproperty11", "%", PropertyMatch.Equals, new[] { "%" })]
    [InlineData("customproperty11", "tru", PropertyMatch.Equals, new string[0])]                  // not a prefix either
    [InlineData("customproperty3", "True", PropertyMatch.Equals, new[] { "True" })]               // a column without an index of its own
    [InlineData("customproperty11", "true", PropertyMatch.Contains, new[] { "true", "TRUE", "True", "untrue", "true-ish", "true " })] // unchanged: anywhere, any case
    [InlineData("customproperty11", "tr_e", PropertyMatch.Contains, new[] { "tr_e" })]            // '_' literal
    [InlineData("customproperty11", "%", PropertyMatch.Contains, new[] { "%" })]
    public async Task PropertyFilter_EqualsMatchesTheWholeValueCaseSensitively_ContainsAnywhere(string property, string value, PropertyMatch match, string[] expected)
    {
        var endpoint = await EndpointWithStatusColumnAsync(Values);

        var (rows, count, capped) = await Repository.AccountsAsync(new AccountFilter(endpoint, Property: property, PropertyValue: value, PropertyMatch: match), null, 0, 50);

        Assert.Equal(expected.Order(StringComparer.Ordinal), rows.Select(r => r.CustomProperty11!).Order(StringComparer.Ordinal));
        Assert.Equal(expected.Length, count);
        Assert.False(capped);
        // Contains stays the default: callers that do not say keep their results.
        if (match == PropertyMatch.Contains)
            Assert.Equal(rows.Select(r => r.Id), (await Repository.AccountsAsync(new AccountFilter(endpoint, Property: property, PropertyValue: value), null, 0, 50)).Rows.Select(r => r.Id));
    }

    [Fact]
    public async Task Equals_AboveTheCap_CountsToTheCap_AsContainsDoes_AndPagesInNameOrder()
    {
        var values = Enumerable.Repeat<string?>("true", RepositoryService.CountCap + 50).Concat(Enumerable.Repeat<string?>("false", 30)).ToList();
        var endpoint = await EndpointWithStatusColumnAsync(values);

        foreach (var match in new[] { PropertyMatch.Equals, PropertyMatch.Contains })
        {
            var filter = new AccountFilter(endpoint, Status: AccountStatus.Active, Property: "customproperty11", PropertyValue: "true", PropertyMatch: match);
            var pages = new List<string>();
            for (var skip = 0; skip < 60; skip += 20)
            {
                var (rows, count, capped) = await Repository.AccountsAsync(filter, null, skip, 20);
                Assert.Equal(RepositoryService.CountCap, count);
                Assert.True(capped);
                pages.AddRange(rows.Select(r => r.Name));
            }

            Assert.Equal(Enumerable.Range(0, 60).Select(i => $"acct{i:D6}"), pages);
            // A deep page: the last ones in name order, past the cap.
            var (last, _, _) = await Repository.AccountsAsync(filter, null, RepositoryService.CountCap + 40, 20);
            Assert.Equal(Enumerable.Range(RepositoryService.CountCap + 40, 10).Select(i => $"acct{i:D6}"), last.Select(r => r.Name));
        }

        // Under the cap the count is exact.
        var (few, fewCount, fewCapped) = await Repository.AccountsAsync(new AccountFilter(endpoint, Status: AccountStatus.Active, Property: "customproperty11", PropertyValue: "false", PropertyMatch: PropertyMatch.Equals), null, 0, 50);
        Assert.Equal(30, fewCount);
        Assert.False(fewCapped);
        Assert.Equal(30, few.Count);
    }

    [Fact]
    public async Task Equals_OnTheStatusColumn_CountAndNamePage_AreRangesOfTheGridIndex_WithoutATempBTree()
    {
        var endpoint = await EndpointWithStatusColumnAsync(Values);
        await using var db = factory.CreateDbContext();
        var query = await RepositoryService.QueryAsync(db, new AccountFilter(endpoint, Status: AccountStatus.Active, Property: "customproperty11", PropertyValue: "true", PropertyMatch: PropertyMatch.Equals), CancellationToken.None);
        Assert.NotNull(query);

        // The page as AccountsAsync selects it (ids in name order, then OFFSET), and the capped count's inner query.
        var page = await PlanAsync(db, RepositoryService.Sort(query, null).Select(a => a.Id).Skip(100).Take(20));
        var count = await PlanAsync(db, query.Select(a => a.Id).Take(RepositoryService.CountCap + 1));

        foreach (var plan in new[] { page, count })
        {
            Assert.Contains(plan, l => l.Contains("USING COVERING INDEX IX_Accounts_EndpointId_Status_CustomProperty11_Name (EndpointId=? AND Status=? AND CustomProperty11=?)", StringComparison.Ordinal));
            Assert.DoesNotContain(plan, l => l.Contains("TEMP B-TREE", StringComparison.Ordinal));
        }

        // Contains cannot use the value's place in the index: LIKE '%…%' is checked on every entry of the endpoint and status.
        var contains = await RepositoryService.QueryAsync(db, new AccountFilter(endpoint, Status: AccountStatus.Active, Property: "customproperty11", PropertyValue: "true"), CancellationToken.None);
        Assert.DoesNotContain(await PlanAsync(db, RepositoryService.Sort(contains!, null).Select(a => a.Id).Skip(100).Take(20)), l => l.Contains("CustomProperty11=?", StringComparison.Ordinal));
    }

    /// <summary>The detail lines of SQLite's EXPLAIN QUERY PLAN for the query, with its parameters.</summary>
    private static async Task<List<string>> PlanAsync<T>(Data.AdminPortalDbContext db, IQueryable<T> query)
    {
        await using var command = query.CreateDbCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
        await db.Database.OpenConnectionAsync();
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) lines.Add(reader.GetString(3));
        return lines;
    }

    [Fact]
    public async Task CsvExport_MatchEquals_ExportsExactValuesOnly_UnknownMatchIsBadRequest()
    {
        var endpoint = await EndpointWithStatusColumnAsync(Values);
        await Users.UserSeeding.AddUserAsync(factory, "match-reviewer", "Reviewer-Passw0rd", SavRoles.Reviewer);
        var client = await SignedInClient.CreateAsync(factory, "match-reviewer", "Reviewer-Passw0rd");
        var url = $"/identities/accounts/export.csv?endpoint={endpoint}&property=customproperty11&value=true";

        async Task<List<string>> AccountIdsAsync(string query) =>
            (await client.GetStringAsync(url + query)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')[0]).ToList();

        Assert.Equal(["m-0"], await AccountIdsAsync("&match=equals"));
        Assert.Equal(["m-0"], await AccountIdsAsync("&match=EQUALS"));
        var contains = await AccountIdsAsync("");
        Assert.Equal(6, contains.Count);
        Assert.Equal(contains, await AccountIdsAsync("&match=contains"));

        var bogus = await client.GetAsync(url + "&match=bogus");
        Assert.Equal(HttpStatusCode.BadRequest, bogus.StatusCode);
        Assert.Contains("Unknown match 'bogus': use equals or contains.", await bogus.Content.ReadAsStringAsync());
    }
}
