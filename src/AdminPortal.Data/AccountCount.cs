using AdminPortal.Core.Domain;

namespace AdminPortal.Data;

/// <summary>
/// How many accounts an endpoint has in one status. Written only by the SQLite triggers of migration
/// 20261202190000_AccountSearchAndCounts (every insert, delete and status change of an account, whoever makes it:
/// the bulk import's SQL, EF, cascades), so the grids and the accounts API read an exact total without counting a
/// million index entries (docs/decisions/ADR-015-account-search-and-counts.md).
/// </summary>
public class AccountCount
{
    public int EndpointId { get; set; }
    public AccountStatus Status { get; set; }
    public long Count { get; set; }
}
