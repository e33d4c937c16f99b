using System.Text.RegularExpressions;
using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Domain;
using AdminPortal.Data;
using AdminPortal.Web.Features.Connections;
using Microsoft.EntityFrameworkCore;
using Newtonsoft.Json;

namespace AdminPortal.Web.Features.Repository;

/// <summary>
/// Filters of the Accounts grid, its CSV export and the accounts API. <see cref="Text"/> matches the start of the name,
/// the account id or the display name (ADR-015); owner values match anywhere. All case-insensitive (ASCII letters, as
/// SQLite folds them), LIKE wildcards taken literally. The property value matches anywhere in the same way
/// (<see cref="Repository.PropertyMatch.Contains"/>, the default) or, with <see cref="Repository.PropertyMatch.Equals"/>,
/// is the whole value: SQL <c>=</c>, case-sensitive and exact (the typed text trimmed, as every filter is), which the
/// (EndpointId, Status, CustomPropertyN, Name) indexes serve for the count and the page in name order (ADR-019).
/// </summary>
public sealed record AccountFilter(string Endpoint, string? Text = null, AccountStatus? Status = null, string? Owner = null, string? Property = null, string? PropertyValue = null,
    PropertyMatch PropertyMatch = PropertyMatch.Contains)
{
    /// <summary>Only the endpoint and at most a status: the total is one row of AccountCounts.</summary>
    public bool CountsFromTotals => AccountSearch.Prefix(Text) is null && string.IsNullOrWhiteSpace(Owner) && string.IsNullOrWhiteSpace(PropertyValue);
}

/// <summary>How <see cref="AccountFilter.PropertyValue"/> matches: anywhere, case-insensitively (LIKE), or the exact value (=, ADR-019).</summary>
public enum PropertyMatch
{
    Contains,
    Equals,
}

/// <summary>
/// One page of accounts and the filtered total. Totals above <see cref="RepositoryService.CountCap"/> of a search or an
/// owner/property filter are not counted to the end: <see cref="Count"/> is then the cap and <see cref="CountIsCapped"/> true
/// ("more than 10,000"); endpoint and status totals are always exact.
/// </summary>
public sealed record AccountsResult(List<Account> Rows, int Count, bool CountIsCapped)
{
    /// <summary>False when the endpoint does not exist (the rows are then empty).</summary>
    public bool EndpointExists { get; init; } = true;

    /// <summary>Where the next page in name order starts (for <c>after=</c>); null on a page shorter than asked for.</summary>
    public AccountCursor? Next { get; init; }

    public void Deconstruct(out List<Account> rows, out int count) => (rows, count) = (Rows, Count);
}

public sealed record AccountSort(string Property, bool Descending);

/// <summary>
/// A position in the default name order (Name, then Id): the last account of a page. The accounts API's <c>after=</c>
/// (ADR-018) continues from it with an index seek, whatever the depth; OFFSET walks every entry it skips. Opaque to
/// clients: base64url of "id:name".
/// </summary>
public sealed record AccountCursor(string Name, long Id)
{
    public string Encode() => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{Id.ToString(System.Globalization.CultureInfo.InvariantCulture)}:{Name}"))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Null when the text is not a cursor this portal made.</summary>
    public static AccountCursor? Decode(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 2000) return null;
        var b64 = text.Trim().Replace('-', '+').Replace('_', '/');
        b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
        var bytes = new byte[b64.Length];
        if (!Convert.TryFromBase64String(b64, bytes, out var length)) return null;
        string plain;
        try
        {
            plain = new System.Text.UTF8Encoding(false, true).GetString(bytes, 0, length);
        }
        catch (ArgumentException)
        {
            return null;
        }

        var colon = plain.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && long.TryParse(plain.AsSpan(0, colon), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
            ? new AccountCursor(plain[(colon + 1)..], id)
            : null;
    }
}

public sealed record EntitlementRow(long Id, string Type, string EntitlementId, string Value, string? DisplayName, EntitlementStatus Status, int Members, DateTime UpdatedUtc);

public sealed record AccountEntitlementRow(long EntitlementValueId, string Type, string EntitlementId, string Value, string? DisplayName, LinkStatus LinkStatus, EntitlementStatus Status);

public sealed record MemberRow(long AccountId, string TargetId, string Name, string? DisplayName, AccountStatus Status, string? Owner, LinkStatus LinkStatus);

/// <summary>
/// Read side of the Identity Repository: server-side filtered, sorted and paged queries over accounts and
/// entitlements of one endpoint (the grids only ever load one page), plus the column labels the import mapped.
/// </summary>
public partial class RepositoryService(IDbContextFactory<AdminPortalDbContext> dbFactory, AttributeProtector protector)
{
    public const int MaxPageSize = 500;

    public static readonly IReadOnlyList<string> SortableAccountProperties =
        ["Name", "AccountId", "DisplayName", "Status", "Owner", "UpdatedUtc", "LastSeenRunId", .. Enumerable.Range(1, Account.CustomPropertyCount).Select(i => $"CustomProperty{i}")];

    public async Task<List<Core.Domain.Endpoint>> EndpointsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Endpoints.AsNoTracking().Include(e => e.EntitlementTypes).OrderBy(e => e.Name).ToListAsync(ct);
    }

    /// <summary>
    /// Labels of the account custom-property columns the import fills: customproperty column → the source field
    /// named in the import connection's colsToPropsMap. Columns the import does not map are not shown.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> AccountColumnLabelsAsync(string endpoint, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var attribute = await db.Endpoints.AsNoTracking().Where(e => e.Name == endpoint)
            .SelectMany(e => e.SecuritySystem!.ImportConnection!.Attributes.Where(a => a.Name == ConnectionAttributeNames.ImportAccountEntJson))
            .FirstOrDefaultAsync(ct);
        if (attribute?.Value is not { } stored) return new Dictionary<string, string>();
        // Every Accounts page asks; the import connection rarely changes: decrypting and parsing it each time was most of
        // the page's own CPU (ADR-018). Keyed by the stored text, so a saved change is a new entry.
        if (labelCache.TryGetValue(stored, out var cached)) return cached;
        var json = protector.Read(attribute);
        var labels = string.IsNullOrWhiteSpace(json) ? new Dictionary<string, string>() : AccountColumnLabels(json);
        if (labelCache.Count >= 64) labelCache.Clear();
        labelCache[stored] = labels;
        return labels;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> labelCache = new(StringComparer.Ordinal);

    /// <summary>The endpoints' names in order (the Accounts page's endpoint picker).</summary>
    public async Task<List<string>> EndpointNamesAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Endpoints.AsNoTracking().OrderBy(e => e.Name).Select(e => e.Name).ToListAsync(ct);
    }

    /// <summary>Pure: customproperty column → label from an ImportAccountEntJSON (empty when it does not parse).</summary>
    public static IReadOnlyDictionary<string, string> AccountColumnLabels(string importJson)
    {
        var labels = new SortedDictionary<string, string>(Comparer<string>.Create((a, b) => CustomIndex(a).CompareTo(CustomIndex(b))));
        ImportConfig config;
        try
        {
            config = ImportConfig.Parse(importJson);
        }
        catch (Exception e) when (e is ConnectorConfigException or JsonException)
        {
            return labels;
        }

        foreach (var mapping in config.Accounts?.Calls.SelectMany(c => c.Columns) ?? [])
        {
            var index = CustomIndex(mapping.Column);
            // Membership bookkeeping (STORE#ACC#ENT#MAPPINGINFO) is the import's, not a property people read.
            if (index is < 1 or > Account.CustomPropertyCount || mapping.StoresAcctEntMapping || mapping.StoresEntMapping) continue;
            var column = $"CustomProperty{index}";
            labels.TryAdd(column, Label(mapping));
        }

        return labels;
    }

    /// <summary>Labels of an entitlement type's custom-property columns (EntitlementType.CustomPropertyLabelsJson).</summary>
    public static IReadOnlyDictionary<string, string> EntitlementColumnLabels(EntitlementType? type)
    {
        if (string.IsNullOrWhiteSpace(type?.CustomPropertyLabelsJson)) return new Dictionary<string, string>();
        try
        {
            var raw = JsonConvert.DeserializeObject<Dictionary<string, string>>(type.CustomPropertyLabelsJson) ?? [];
            return raw.Where(p => CustomIndex(p.Key) is >= 1 and <= EntitlementValue.CustomPropertyCount)
                .OrderBy(p => CustomIndex(p.Key)).ToDictionary(p => $"CustomProperty{CustomIndex(p.Key)}", p => p.Value);
        }
        catch (JsonException)
        {
            return new Dictionary<string, string>();
        }
    }

    private static string Label(ColumnMapping mapping)
    {
        if (mapping.IsConst || mapping.IsTemplate) return mapping.Column;
        var source = mapping.Source.Trim();
        if (source.Length is > 0 and <= 40) return source;
        var last = source.Split('.', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        return last.Length is > 0 and <= 40 ? last : mapping.Column;
    }

    private static int CustomIndex(string column)
    {
        var m = CustomColumn().Match(column);
        return m.Success ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex("^customproperty(\\d{1,2})$", RegexOptions.IgnoreCase)]
    private static partial Regex CustomColumn();

    /// <summary>The filtered accounts of one endpoint (not yet sorted or paged); null when the endpoint does not exist.</summary>
    public static async Task<IQueryable<Account>?> QueryAsync(AdminPortalDbContext db, AccountFilter filter, CancellationToken ct) =>
        await EndpointIdAsync(db, filter.Endpoint, ct) is { } endpointId ? Filtered(db, endpointId, filter) : null;

    private static Task<int?> EndpointIdAsync(AdminPortalDbContext db, string endpoint, CancellationToken ct) =>
        db.Endpoints.Where(e => e.Name == endpoint).Select(e => (int?)e.Id).FirstOrDefaultAsync(ct);

    private static IQueryable<Account> Filtered(AdminPortalDbContext db, int endpointId, AccountFilter filter)
    {
        // A search constrains the endpoint itself, inside each alternative (see AccountSearch.ByIndexes).
        var query = db.Accounts.AsNoTracking();
        query = AccountSearch.Prefix(filter.Text) is { } prefix ? AccountSearch.ByIndexes(query, endpointId, prefix) : query.Where(a => a.EndpointId == endpointId);
        if (filter.Status is { } status) query = query.Where(a => a.Status == status);
        if (Pattern(filter.Owner) is { } owner)
            query = query.Where(a => a.Owner != null && (EF.Functions.Like(a.Owner.Username, owner, "\\") || EF.Functions.Like(a.Owner.Email, owner, "\\")));
        if (!string.IsNullOrWhiteSpace(filter.PropertyValue) && CustomIndex(filter.Property ?? "") is >= 1 and <= Account.CustomPropertyCount)
        {
            var column = $"CustomProperty{CustomIndex(filter.Property!)}";
            var value = filter.PropertyValue.Trim();
            var pattern = Pattern(value);
            // Equals is SQL `=` (BINARY collation: case-sensitive), so the column's index serves the range and the name order (ADR-019).
            query = filter.PropertyMatch == PropertyMatch.Equals
                ? query.Where(a => EF.Property<string>(a, column) == value)
                : query.Where(a => EF.Functions.Like(EF.Property<string>(a, column), pattern, "\\"));
        }

        return query;
    }

    public static IQueryable<Account> Sort(IQueryable<Account> query, IEnumerable<AccountSort>? sorts)
    {
        IOrderedQueryable<Account>? ordered = null;
        foreach (var sort in sorts ?? [])
        {
            if (!SortableAccountProperties.Contains(sort.Property)) continue;
            ordered = sort.Property switch
            {
                "Owner" => Then(ordered, query, a => a.Owner!.Username, sort.Descending),
                "Status" => Then(ordered, query, a => a.Status, sort.Descending),
                "UpdatedUtc" => Then(ordered, query, a => a.UpdatedUtc, sort.Descending),
                "LastSeenRunId" => Then(ordered, query, a => a.LastSeenRunId, sort.Descending),
                var p => Then(ordered, query, a => EF.Property<string>(a, p), sort.Descending),
            };
        }

        // A stable order so pages never overlap or skip rows.
        return ordered is null ? query.OrderBy(a => a.Name).ThenBy(a => a.Id) : ordered.ThenBy(a => a.Id);
    }

    private static IOrderedQueryable<Account> Then<TKey>(IOrderedQueryable<Account>? ordered, IQueryable<Account> query, System.Linq.Expressions.Expression<Func<Account, TKey>> key, bool descending) =>
        ordered is null
            ? descending ? query.OrderByDescending(key) : query.OrderBy(key)
            : descending ? ordered.ThenByDescending(key) : ordered.ThenBy(key);

    /// <summary>Searches and owner/property filters count at most this many matches (ADR-015).</summary>
    public const int CountCap = 10_000;

    /// <summary>
    /// One page of accounts with their owners, and the filtered total (ADR-015): endpoint/status totals from
    /// AccountCounts; other totals counted up to <see cref="CountCap"/>. The page is chosen on the index alone (ids
    /// only), then only its rows are read, so a deep page does not read every row it skips.
    /// </summary>
    public async Task<AccountsResult> AccountsAsync(AccountFilter filter, IEnumerable<AccountSort>? sorts, int skip, int take, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await EndpointIdAsync(db, filter.Endpoint, ct) is not { } endpointId) return new([], 0, false) { EndpointExists = false };
        var sortList = sorts?.Where(s => SortableAccountProperties.Contains(s.Property)).ToList() ?? [];
        var (count, capped) = await CountAsync(db, endpointId, filter, ct);

        var page = Math.Clamp(take, 1, MaxPageSize);
        skip = Math.Max(0, skip);
        // A search in name order: the first skip+take of each alternative (a range of its index, sorted), merged; the
        // cost grows with the matches of the alternatives, not with the endpoint. Other sorts: all matches, sorted.
        var ids = AccountSearch.Prefix(filter.Text) is { } prefix && sortList.Count == 0
            ? await AccountSearch.PageInNameOrder(Filtered(db, endpointId, filter with { Text = null }), prefix, skip, page).ToListAsync(ct)
            : await Sort(Filtered(db, endpointId, filter), sortList).Select(a => a.Id).Skip(skip).Take(page).ToListAsync(ct);
        return await PageAsync(db, ids, count, capped, page, sortList.Count == 0 && filter.CountsFromTotals, ct);
    }

    /// <summary>
    /// The page after <paramref name="after"/> in name order (ADR-018): endpoint and status filters only (a search pages by
    /// number). One seek of the covering (EndpointId, Name) index, however deep: <c>Name ≥ n AND (Name &gt; n OR Id &gt; id)</c>
    /// keeps the range on the index (EXPLAIN QUERY PLAN: SEARCH … USING COVERING INDEX (EndpointId=? AND Name&gt;?)).
    /// </summary>
    public async Task<AccountsResult> AccountsAfterAsync(AccountFilter filter, AccountCursor after, int take, CancellationToken ct = default)
    {
        if (!filter.CountsFromTotals) throw new ArgumentException("after= pages by endpoint and status only", nameof(filter));
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await EndpointIdAsync(db, filter.Endpoint, ct) is not { } endpointId) return new([], 0, false) { EndpointExists = false };
        var (count, capped) = await CountAsync(db, endpointId, filter, ct);
        var page = Math.Clamp(take, 1, MaxPageSize);
        var (name, id) = (after.Name, after.Id);
        var ids = await Filtered(db, endpointId, filter)
            .Where(a => string.Compare(a.Name, name) >= 0 && (string.Compare(a.Name, name) > 0 || a.Id > id))
            .OrderBy(a => a.Name).ThenBy(a => a.Id).Select(a => a.Id).Take(page).ToListAsync(ct);
        return await PageAsync(db, ids, count, capped, page, true, ct);
    }

    /// <summary>The page's rows and owners, in the order of <paramref name="ids"/>; a cursor after the last when the page is full in name order.</summary>
    private static async Task<AccountsResult> PageAsync(AdminPortalDbContext db, List<long> ids, int count, bool capped, int page, bool nameOrder, CancellationToken ct)
    {
        var rows = await db.Accounts.AsNoTracking().Include(a => a.Owner).Where(a => ids.Contains(a.Id)).ToDictionaryAsync(a => a.Id, ct);
        var list = ids.Where(rows.ContainsKey).Select(id => rows[id]).ToList();
        return new(list, count, capped) { Next = nameOrder && ids.Count == page && list.Count > 0 ? new AccountCursor(list[^1].Name, list[^1].Id) : null };
    }

    private static async Task<(int Count, bool Capped)> CountAsync(AdminPortalDbContext db, int endpointId, AccountFilter filter, CancellationToken ct)
    {
        if (filter.CountsFromTotals)
        {
            var totals = await db.AccountCounts.Where(c => c.EndpointId == endpointId).Select(c => new { c.Status, c.Count }).ToListAsync(ct);
            // No row: an endpoint without accounts, or a database made without the migration's triggers (EnsureCreated).
            if (totals.Count > 0) return ((int)totals.Where(t => filter.Status is null || t.Status == filter.Status).Sum(t => t.Count), false);
        }

        var counted = await Filtered(db, endpointId, filter).Select(a => a.Id).Take(CountCap + 1).CountAsync(ct);
        return counted > CountCap ? (CountCap, true) : (counted, false);
    }

    /// <summary>Entitlements (type and target id) of the given accounts, for the API.</summary>
    public async Task<Dictionary<long, List<(string Type, string EntitlementId)>>> EntitlementsOfAsync(IReadOnlyCollection<long> accountIds, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var links = await (from l in db.AccountEntitlements.AsNoTracking()
                           join v in db.EntitlementValues on l.EntitlementValueId equals v.Id
                           where accountIds.Contains(l.AccountId)
                           orderby v.EntitlementId
                           select new { l.AccountId, Type = v.EntitlementType!.Name, v.EntitlementId }).ToListAsync(ct);
        return links.GroupBy(l => l.AccountId).ToDictionary(g => g.Key, g => g.Select(l => (l.Type, l.EntitlementId)).ToList());
    }

    public async Task<Account?> GetAccountAsync(long id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Accounts.AsNoTracking().Include(a => a.Owner).Include(a => a.Endpoint).ThenInclude(e => e!.SecuritySystem)
            .SingleOrDefaultAsync(a => a.Id == id, ct);
    }

    public async Task<List<AccountEntitlementRow>> AccountEntitlementsAsync(long accountId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await (from l in db.AccountEntitlements.AsNoTracking()
                      join v in db.EntitlementValues on l.EntitlementValueId equals v.Id
                      where l.AccountId == accountId
                      orderby v.EntitlementType!.DisplayOrder, v.Value
                      select new AccountEntitlementRow(v.Id, v.EntitlementType!.Name, v.EntitlementId, v.Value, v.DisplayName, l.Status, v.Status)).ToListAsync(ct);
    }

    /// <summary>Import runs of the account's endpoint since the account was first imported (newest first).</summary>
    public async Task<List<JobRun>> ImportHistoryAsync(Account account, int take = 20, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var since = account.CreatedUtc.AddMinutes(-1);
        return await db.JobRuns.AsNoTracking()
            .Where(r => r.EndpointId == account.EndpointId && r.Kind == JobKind.ApplicationDataImport && (r.QueuedUtc >= since || r.Id == account.LastSeenRunId))
            .OrderByDescending(r => r.Id).Take(take)
            .Select(r => new JobRun { Id = r.Id, Status = r.Status, Mode = r.Mode, IsPreview = r.IsPreview, Trigger = r.Trigger, QueuedUtc = r.QueuedUtc, FinishedUtc = r.FinishedUtc })
            .ToListAsync(ct);
    }

    /// <summary>One page of an endpoint's entitlements with their member counts; <paramref name="type"/> null means every type.</summary>
    public async Task<(List<EntitlementRow> Rows, int Count)> EntitlementsAsync(string endpoint, string? type, string? text, EntitlementStatus? status, string? sort, bool descending,
        int skip, int take, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var endpointId = await db.Endpoints.Where(e => e.Name == endpoint).Select(e => (int?)e.Id).FirstOrDefaultAsync(ct);
        if (endpointId is null) return ([], 0);
        var query = db.EntitlementValues.AsNoTracking().Where(v => v.EndpointId == endpointId);
        if (!string.IsNullOrWhiteSpace(type)) query = query.Where(v => v.EntitlementType!.Name == type);
        if (status is { } s) query = query.Where(v => v.Status == s);
        if (Pattern(text) is { } p) query = query.Where(v => EF.Functions.Like(v.Value, p, "\\") || EF.Functions.Like(v.EntitlementId, p, "\\") || EF.Functions.Like(v.DisplayName, p, "\\"));
        var count = await query.CountAsync(ct);
        var rows = query.Select(v => new
        {
            v.Id, Type = v.EntitlementType!.Name, v.EntitlementId, v.Value, v.DisplayName, v.Status, v.UpdatedUtc,
            Members = db.AccountEntitlements.Count(l => l.EntitlementValueId == v.Id),
        });
        rows = (sort, descending) switch
        {
            ("Members", false) => rows.OrderBy(r => r.Members).ThenBy(r => r.Id),
            ("Members", true) => rows.OrderByDescending(r => r.Members).ThenBy(r => r.Id),
            ("Type", false) => rows.OrderBy(r => r.Type).ThenBy(r => r.Value),
            ("Type", true) => rows.OrderByDescending(r => r.Type).ThenBy(r => r.Value),
            ("Status", false) => rows.OrderBy(r => r.Status).ThenBy(r => r.Value),
            ("Status", true) => rows.OrderByDescending(r => r.Status).ThenBy(r => r.Value),
            ("EntitlementId", false) => rows.OrderBy(r => r.EntitlementId),
            ("EntitlementId", true) => rows.OrderByDescending(r => r.EntitlementId),
            (_, true) => rows.OrderByDescending(r => r.Value).ThenBy(r => r.Id),
            _ => rows.OrderBy(r => r.Value).ThenBy(r => r.Id),
        };
        var page = await rows.Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, MaxPageSize)).ToListAsync(ct);
        return (page.Select(r => new EntitlementRow(r.Id, r.Type, r.EntitlementId, r.Value, r.DisplayName, r.Status, r.Members, r.UpdatedUtc)).ToList(), count);
    }

    public async Task<EntitlementValue?> GetEntitlementAsync(long id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.EntitlementValues.AsNoTracking().Include(v => v.EntitlementType).ThenInclude(t => t!.Endpoint).SingleOrDefaultAsync(v => v.Id == id, ct);
    }

    public async Task<(List<MemberRow> Rows, int Count)> MembersAsync(long entitlementValueId, string? text, int skip, int take, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = from l in db.AccountEntitlements.AsNoTracking()
                    join a in db.Accounts on l.AccountId equals a.Id
                    where l.EntitlementValueId == entitlementValueId
                    select new { a, l.Status };
        if (Pattern(text) is { } p) query = query.Where(x => EF.Functions.Like(x.a.Name, p, "\\") || EF.Functions.Like(x.a.AccountId, p, "\\"));
        var count = await query.CountAsync(ct);
        var rows = await query.OrderBy(x => x.a.Name).ThenBy(x => x.a.Id).Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, MaxPageSize))
            .Select(x => new MemberRow(x.a.Id, x.a.AccountId, x.a.Name, x.a.DisplayName, x.a.Status, x.a.Owner!.Username, x.Status)).ToListAsync(ct);
        return (rows, count);
    }

    /// <summary>A <c>match=</c> query parameter: <c>contains</c> (also when absent) or <c>equals</c>, any case; null for anything else.</summary>
    public static PropertyMatch? ParsePropertyMatch(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "contains" => PropertyMatch.Contains,
        "equals" => PropertyMatch.Equals,
        _ => null,
    };

    /// <summary>A LIKE pattern matching the text anywhere, with LIKE's wildcards escaped; null for no filter.</summary>
    public static string? Pattern(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : "%" + AccountSearch.Escape(text.Trim()) + "%";
}

/// <summary>
/// The account search (ADR-015): the start of Name, AccountId or DisplayName, case-insensitive for ASCII letters.
/// Two SQL shapes of the same matches: <see cref="ByIndexes"/> (one multi-index OR: counts, exports, other sorts) and
/// <see cref="PageInNameOrder"/> (a page in the default name order).
/// </summary>
public static class AccountSearch
{
    /// <summary>The search text folded as SQLite's lower() folds (ASCII only); null for no search.</summary>
    public static string? Prefix(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        return string.Create(text.Trim().Length, text.Trim(), (span, t) =>
        {
            for (var i = 0; i < t.Length; i++) span[i] = t[i] is >= 'A' and <= 'Z' ? (char)(t[i] + 32) : t[i];
        });
    }

    /// <summary>The smallest string above every string starting with <paramref name="prefix"/> (binary order = code point order in UTF-8).</summary>
    public static string UpperBound(string prefix)
    {
        var last = prefix[^1];
        return last < '\uD7FF' || last is >= '\uE000' and < '\uFFFF' ? prefix[..^1] + (char)(last + 1) : prefix + "\U0010FFFF";
    }

    /// <remarks>The endpoint is constrained inside each alternative and nowhere else: SQLite then plans a multi-index OR,
    /// each branch a range of its (EndpointId, Search…) index (EXPLAIN QUERY PLAN: MULTI-INDEX OR, three SEARCHes); with
    /// EndpointId also outside the OR it walks the endpoint's whole index instead (no statistics tell it that one
    /// endpoint is most of the table).</remarks>
    public static IQueryable<Account> ByIndexes(IQueryable<Account> query, int endpointId, string prefix)
    {
        var upper = UpperBound(prefix);
        return query.Where(a =>
            (a.EndpointId == endpointId && string.Compare(EF.Property<string>(a, "SearchName"), prefix) >= 0 && string.Compare(EF.Property<string>(a, "SearchName"), upper) < 0)
            || (a.EndpointId == endpointId && string.Compare(EF.Property<string>(a, "SearchAccountId"), prefix) >= 0 && string.Compare(EF.Property<string>(a, "SearchAccountId"), upper) < 0)
            || (a.EndpointId == endpointId && string.Compare(EF.Property<string>(a, "SearchDisplayName"), prefix) >= 0 && string.Compare(EF.Property<string>(a, "SearchDisplayName"), upper) < 0));
    }

    internal static string Escape(string text) => text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");

    /// <summary>
    /// Ids of one page of a search in name order: each alternative alone (endpoint and other filters in
    /// <paramref name="filtered"/>, then one range of its index) contributes its first skip+take by name; the union of
    /// those, ordered again, holds the page. SQLite: three SEARCHes of the (EndpointId, Search…) indexes, each sorted
    /// with a bounded temp B-tree, UNION USING TEMP B-TREE.
    /// </summary>
    public static IQueryable<long> PageInNameOrder(IQueryable<Account> filtered, string prefix, int skip, int take)
    {
        var upper = UpperBound(prefix);
        IQueryable<NameKey> First(string key) => filtered
            .Where(a => string.Compare(EF.Property<string>(a, key), prefix) >= 0 && string.Compare(EF.Property<string>(a, key), upper) < 0)
            .Select(a => new NameKey { Name = a.Name, Id = a.Id }).OrderBy(k => k.Name).ThenBy(k => k.Id).Take(skip + take);
        return First("SearchName").Union(First("SearchAccountId")).Union(First("SearchDisplayName"))
            .OrderBy(k => k.Name).ThenBy(k => k.Id).Skip(skip).Take(take).Select(k => k.Id);
    }

    private sealed class NameKey
    {
        public required string Name { get; init; }
        public long Id { get; init; }
    }
}
