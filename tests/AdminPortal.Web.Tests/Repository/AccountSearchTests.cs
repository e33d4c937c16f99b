using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Web.Features.Repository;
using AdminPortal.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Endpoint = AdminPortal.Core.Domain.Endpoint;

namespace AdminPortal.Web.Tests.Repository;

/// <summary>ADR-015: the account search (start of name, id or display name) and the trigger-kept totals, at service level.</summary>
public class AccountSearchTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private RepositoryService Repository => factory.Services.GetRequiredService<RepositoryService>();

    private async Task<(string Name, int Id)> EndpointWithAsync(IEnumerable<(string Name, string Id, string? Display)> accounts, AccountStatus status = AccountStatus.Active)
    {
        var endpoint = await factory.AddEndpointWithAccountsAsync("search",
            accounts.Select(a => new Account { Name = a.Name, AccountId = a.Id, DisplayName = a.Display, Status = status }));
        return (endpoint.Name, endpoint.Id);
    }

    private static readonly (string Name, string Id, string? Display)[] People =
    [
        ("Alice.Smith", "A-100", "Alice Smith"),
        ("bob.jones", "id_42", "Robert Jones"),
        ("carol%x", "c-3", null),
        ("dave", "alice-id", "Dave Miller"),
        ("xavier_1", "x1", "Xavier One"),
        ("xavierA1", "x2", "Xavier Two"),
        ("émile", "e-1", "Zola, Émile"),
    ];

    [Theory]
    [InlineData("alice", new[] { "Alice.Smith", "dave" })]           // name, and an account id that starts with it
    [InlineData("ALICE S", new[] { "Alice.Smith" })]                 // display name, case-insensitive
    [InlineData("  Bob  ", new[] { "bob.jones" })]                   // trimmed
    [InlineData("robert", new[] { "bob.jones" })]                    // display name
    [InlineData("ID_4", new[] { "bob.jones" })]                      // account id, '_' literal
    [InlineData("smith", new string[0])]                             // inside a value: not a match (start only)
    [InlineData("carol%", new[] { "carol%x" })]                      // '%' literal
    [InlineData("%", new string[0])]
    [InlineData("_", new string[0])]
    [InlineData("xavier_", new[] { "xavier_1" })]                    // '_' is not "any character"
    [InlineData("xavier", new[] { "xavierA1", "xavier_1" })]         // name order (binary: 'A' < '_')
    [InlineData("é", new[] { "émile" })]                             // non-ASCII: exact (SQLite folds ASCII only)
    [InlineData("É", new string[0])]
    public async Task Search_MatchesTheStartOfNameIdOrDisplayName_CaseInsensitive_WildcardsLiteral(string q, string[] expected)
    {
        var (endpoint, endpointId) = await EndpointWithAsync(People);

        var (rows, count, capped) = await Repository.AccountsAsync(new AccountFilter(endpoint, q), null, 0, 50);

        Assert.Equal(expected, rows.Select(r => r.Name));
        Assert.Equal(expected.Length, count);
        Assert.False(capped);

        // Both SQL shapes return the same accounts: the multi-index OR (counts, exports, other sorts) and the page in name order.
        await using var db = factory.CreateDbContext();
        var all = db.Accounts.Where(a => a.EndpointId == endpointId);
        var prefix = AccountSearch.Prefix(q)!;
        Assert.Equal(expected.Order(StringComparer.Ordinal), (await AccountSearch.ByIndexes(db.Accounts, endpointId, prefix).Select(a => a.Name).ToListAsync()).Order(StringComparer.Ordinal));
        var paged = await AccountSearch.PageInNameOrder(all, prefix, 0, 50).ToListAsync();
        Assert.Equal(expected, paged.Select(id => db.Accounts.Single(a => a.Id == id).Name));
    }

    [Fact]
    public void AccountCursor_RoundTrips_AndRejectsWhatItDidNotMake()
    {
        foreach (var cursor in new[] { new AccountCursor("james.smith@corp.example.com", 42), new AccountCursor("a:b:ü/+", 9_000_000_000), new AccountCursor("", 1) })
        {
            var text = cursor.Encode();
            Assert.Matches("^[A-Za-z0-9_-]+$", text); // safe in a query string as is
            Assert.Equal(cursor, AccountCursor.Decode(text));
        }

        foreach (var bad in new[] { null, "", "   ", "***", "bm8tY29sb24", "LTE6eA", "eDp5" }) // no colon; "-1:x"; "x:y"
            Assert.Null(AccountCursor.Decode(bad));
    }

    [Fact]
    public void UpperBound_IsTheNextStringAfterEveryPrefixedOne()
    {
        Assert.Equal("abd", AccountSearch.UpperBound("abc"));
        Assert.Equal("a]", AccountSearch.UpperBound("a\\"));
        Assert.Equal("a\uFFFF\U0010FFFF", AccountSearch.UpperBound("a\uFFFF"));
        Assert.True(string.CompareOrdinal("abc" + "\uFFFF", AccountSearch.UpperBound("abc")) < 0);
    }

    [Fact]
    public async Task Search_AboveTheCap_CountsToTheCap_AndPagesInNameOrderWithoutOverlap()
    {
        var many = Enumerable.Range(0, RepositoryService.CountCap + 50).Select(i => ($"user{i:D6}", $"id-{i}", (string?)$"User {i}")).ToList();
        var (endpoint, _) = await EndpointWithAsync(many.Append(("zed", "zed-1", "Zed")));

        var pages = new List<string>();
        for (var skip = 0; skip < 150; skip += 50)
        {
            var (rows, count, capped) = await Repository.AccountsAsync(new AccountFilter(endpoint, "USER"), null, skip, 50);
            Assert.Equal(RepositoryService.CountCap, count);
            Assert.True(capped);
            pages.AddRange(rows.Select(r => r.Name));
        }

        Assert.Equal(many.Select(m => m.Item1).Order(StringComparer.Ordinal).Take(150), pages);

        // Under the cap: exact, and sorted by another column through the index-range shape.
        var (few, fewCount, fewCapped) = await Repository.AccountsAsync(new AccountFilter(endpoint, "user00001"), [new AccountSort("AccountId", true)], 0, 50);
        Assert.Equal(10, fewCount);
        Assert.False(fewCapped);
        Assert.Equal(Enumerable.Range(10, 10).Select(i => $"id-{i}").OrderDescending(StringComparer.Ordinal), few.Select(r => r.AccountId));

        // The unfiltered total is exact (AccountCounts), far above the cap.
        var (_, total, totalCapped) = await Repository.AccountsAsync(new AccountFilter(endpoint), null, 0, 1);
        Assert.Equal(many.Count + 1, total);
        Assert.False(totalCapped);
    }

    [Fact]
    public async Task Totals_KeptByTriggers_ThroughInsertsStatusChangesDeletesAndEndpointRemoval()
    {
        var (endpoint, endpointId) = await EndpointWithAsync(People);
        await using var db = factory.CreateDbContext();

        async Task AssertTotalsAsync()
        {
            var actual = await db.Accounts.Where(a => a.EndpointId == endpointId).GroupBy(a => a.Status).Select(g => new { g.Key, Count = (long)g.Count() }).ToListAsync();
            var kept = await db.AccountCounts.Where(c => c.EndpointId == endpointId && c.Count != 0).Select(c => new { Key = c.Status, c.Count }).ToListAsync();
            Assert.Equal(actual.OrderBy(a => a.Key), kept.OrderBy(k => k.Key));
            foreach (var status in Enum.GetValues<AccountStatus>())
            {
                var (_, count, capped) = await Repository.AccountsAsync(new AccountFilter(endpoint, Status: status), null, 0, 1);
                Assert.Equal(actual.SingleOrDefault(a => a.Key == status)?.Count ?? 0, count);
                Assert.False(capped);
            }

            Assert.Equal(actual.Sum(a => a.Count), (await Repository.AccountsAsync(new AccountFilter(endpoint), null, 0, 1)).Count);
        }

        await AssertTotalsAsync();
        var bob = await db.Accounts.SingleAsync(a => a.EndpointId == endpointId && a.Name == "bob.jones");
        bob.Status = AccountStatus.SuspendedFromImport;
        await db.SaveChangesAsync();
        await db.Accounts.Where(a => a.EndpointId == endpointId && a.Name.StartsWith("xavier")).ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, AccountStatus.Inactive));
        await db.Accounts.Where(a => a.EndpointId == endpointId && a.Name.StartsWith("xavier")).ExecuteUpdateAsync(s => s.SetProperty(a => a.UpdatedUtc, DateTime.UtcNow));
        await AssertTotalsAsync();
        await db.Accounts.Where(a => a.EndpointId == endpointId && a.Name == "dave").ExecuteDeleteAsync();
        await AssertTotalsAsync();

        await db.Endpoints.Where(e => e.Id == endpointId).ExecuteDeleteAsync();
        Assert.False(await db.AccountCounts.AnyAsync(c => c.EndpointId == endpointId));
        Assert.False(await db.Accounts.AnyAsync(a => a.EndpointId == endpointId));

        var triggers = await db.Database.SqlQueryRaw<string>("SELECT name AS Value FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'Accounts' ORDER BY name").ToListAsync();
        Assert.Equal(["TR_Accounts_Count_Delete", "TR_Accounts_Count_Insert", "TR_Accounts_Count_Update"], triggers);
    }
}
