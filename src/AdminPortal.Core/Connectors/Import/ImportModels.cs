using System.Security.Cryptography;
using System.Text;

namespace AdminPortal.Core.Connectors.Import;

public enum AccountImportStatus
{
    /// <summary>No status mapping configured; the host keeps its default.</summary>
    Unknown,
    Active,
    Inactive,
}

/// <summary>An account read from the target. <see cref="Attributes"/> holds every mapped column (case-insensitive keys).</summary>
public sealed record ImportedAccount(string AccountId, string? Name, IReadOnlyDictionary<string, string?> Attributes, AccountImportStatus Status, string Hash);

/// <summary>An entitlement value of a type.</summary>
public sealed record ImportedEntitlement(string EntitlementType, string EntitlementId, string? Value, IReadOnlyDictionary<string, string?> Attributes, string Hash);

/// <summary>An entitlement type, in processing order, with its custom-property labels.</summary>
public sealed record ImportedEntitlementType(string Name, int Order, IReadOnlyDictionary<string, string> Labels);

/// <summary>Account ↔ entitlement membership, keys already resolved to accountID / entitlementID.</summary>
public sealed record ImportedLink(string AccountId, string EntitlementType, string EntitlementId);

public sealed record ImportProgress(string Phase, string Call, int Page, long RecordsSoFar, string? Url);

/// <summary>
/// Optional capability of an <see cref="IImportSink"/> that resolves memberships itself (e.g. with joins in a staging
/// database), so that the engine's memory does not grow with the size of the target. When the sink implements it, the
/// engine
/// <list type="bullet">
/// <item>passes every membership it sees, with its raw keys, to <see cref="OnUnresolvedLinkAsync"/> (a membership read
/// from an account record right after that account's <see cref="IImportSink.OnAccountAsync"/>) and never calls
/// <see cref="IImportSink.OnLinkAsync"/>;</item>
/// <item>keeps no index of account ids or names (unless an <c>httpAcctToEnt</c> call needs the account list) and so
/// streams accounts without checking for a repeated accountID: the sink keeps the first copy;</item>
/// <item>calls <see cref="ResolveDeferredLinksAsync"/> once, after a complete read.</item>
/// </list>
/// The resolution must be the engine's own: an account key is an accountID (or, with <c>accountKeyIsName</c>, the name of
/// the first account read with that name); an entitlement key is an entitlementID of that type (or, with
/// <c>entitlementKeyIsValue</c>, the entitlement_value of the first entitlement of that type emitted with that value);
/// each occurrence that does not resolve counts as unresolved; resolved links are de-duplicated.
/// </summary>
public interface IDeferredLinkSink
{
    ValueTask OnUnresolvedLinkAsync(string accountKey, bool accountKeyIsName, string entitlementType, string entitlementKey, bool entitlementKeyIsValue, CancellationToken ct);

    /// <summary>Resolves and de-duplicates the memberships and the repeated accounts received so far.</summary>
    ValueTask<DeferredLinkResolution> ResolveDeferredLinksAsync(CancellationToken ct);
}

/// <summary>
/// Optional capability of an <see cref="IImportSink"/>: it keeps the account records the engine merges across several
/// independent account calls (e.g. users + service accounts, where a later call may add to an earlier record), so that
/// they are not all held in memory until the last call is read. Used only when there are no dependent account calls.
/// </summary>
public interface IAccountRecordStore
{
    /// <summary>An empty buffer for one run's accounts; disposed by the engine when the accounts were emitted.</summary>
    IAccountRecordBuffer OpenAccountBuffer();
}

/// <summary>Account column maps by accountID, in the order each id was first stored.</summary>
public interface IAccountRecordBuffer : IDisposable
{
    /// <summary>The columns stored under <paramref name="accountId"/> (case-insensitive keys), or null.</summary>
    Dictionary<string, string?>? Find(string accountId);

    /// <summary>Adds, or replaces, the columns of <paramref name="accountId"/>; a new id goes after every earlier one.</summary>
    void Store(string accountId, IReadOnlyDictionary<string, string?> columns);

    /// <summary>Every stored record, in first-stored order (case-insensitive keys).</summary>
    IEnumerable<(string AccountId, Dictionary<string, string?> Columns)> ReadAll();
}

/// <summary>What <see cref="IDeferredLinkSink.ResolveDeferredLinksAsync"/> found: distinct links kept, occurrences that
/// referenced unknown accounts or entitlements, and the later copies of repeated accounts it dropped (all counted, the
/// first ids in read order listed).</summary>
public sealed record DeferredLinkResolution(long Linked, long Unresolved, long DroppedDuplicateAccounts, IReadOnlyList<string> DuplicateAccountIds);

/// <summary>Receives the import output as it is produced. Nothing may be applied before
/// <see cref="ImportResult.IsComplete"/> is known to be true.</summary>
public interface IImportSink
{
    ValueTask OnAccountAsync(ImportedAccount account, CancellationToken ct);
    ValueTask OnEntitlementTypeAsync(ImportedEntitlementType type, CancellationToken ct);
    ValueTask OnEntitlementAsync(ImportedEntitlement entitlement, CancellationToken ct);
    ValueTask OnLinkAsync(ImportedLink link, CancellationToken ct);
    ValueTask OnProgressAsync(ImportProgress progress, CancellationToken ct);
}

public enum ImportFailureKind
{
    Configuration,
    Template,
    Authentication,
    Transport,
    HttpStatus,
    HtmlInsteadOfJson,
    UnparsableBody,
    BodyTooLarge,
    ErrorBody,
    MissingListField,
    PaginationLoop,
    PaginationNotHonoured,
    TooManyPages,
}

/// <summary>Why an import is not proven complete: which call, URL and page.</summary>
public sealed record ImportFailure(ImportFailureKind Kind, string Message, string? Section = null, string? Call = null, string? Url = null, int? Page = null, int? HttpStatus = null)
{
    public override string ToString()
        => $"{Kind}: {Message}" + (Call is null ? "" : $" [call {Section}.{Call}") + (Page is null ? "" : $", page {Page}") + (Url is null ? "" : $", {Url}") + (Call is null ? "" : "]") + (HttpStatus is null ? "" : $" (HTTP {HttpStatus})");
}

public sealed class ImportFailedException : Exception
{
    public ImportFailedException(ImportFailure failure, Exception? inner = null) : base(failure.ToString(), inner) => Failure = failure;
    public ImportFailure Failure { get; }
}

/// <summary>Outcome of an import run. <see cref="IsComplete"/> is true only when every call and page succeeded.</summary>
public sealed record ImportResult
{
    public bool IsComplete { get; init; }
    public ImportFailure? Failure { get; init; }
    public long AccountCount { get; init; }
    public IReadOnlyDictionary<string, long> EntitlementCounts { get; init; } = new Dictionary<string, long>();
    public long LinkCount { get; init; }
    public long RequestCount { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();
    public TimeSpan Duration { get; init; }

    /// <summary>doNotChangeIfFailed from the config (informational; the engine always fails closed).</summary>
    public bool DoNotChangeIfFailed { get; init; }
}

/// <summary>
/// The content hash an account or entitlement is stored with (re-imports skip rows whose hash did not change): SHA-256
/// over "key\u001fvalue\u001e" per attribute, keys lower-cased and in ordinal order, the first 32 hex digits. Stored
/// hashes must stay comparable across versions, so the text hashed never changes; only how it is computed does (once
/// per record of a million-account import: no LINQ, one reused hash object and buffers per thread).
/// </summary>
internal static class RecordHash
{
    [ThreadStatic] private static IncrementalHash? sha;
    [ThreadStatic] private static StringBuilder? text;
    [ThreadStatic] private static byte[]? bytes;

    public static string Compute(IReadOnlyDictionary<string, string?> attributes)
    {
        var keys = new (string Lower, string? Value, int Index)[attributes.Count];
        var n = 0;
        foreach (var kv in attributes) keys[n] = (kv.Key.ToLowerInvariant(), kv.Value, n++);
        // the order of a stable OrderBy on the lower-cased key
        Array.Sort(keys, static (a, b) => string.CompareOrdinal(a.Lower, b.Lower) is var c && c != 0 ? c : a.Index.CompareTo(b.Index));
        var sb = text ??= new StringBuilder(1024);
        sb.Clear();
        foreach (var (lower, value, _) in keys) sb.Append(lower).Append('\u001f').Append(value ?? "\u0000").Append('\u001e');

        var length = Encoding.UTF8.GetMaxByteCount(sb.Length);
        if (bytes is null || bytes.Length < length) bytes = new byte[Math.Max(length, 4096)];
        var written = 0;
        foreach (var chunk in sb.GetChunks()) written += Encoding.UTF8.GetBytes(chunk.Span, bytes.AsSpan(written));
        var hash = sha ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(bytes, 0, written);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return Convert.ToHexString(digest[..16]);
    }
}
