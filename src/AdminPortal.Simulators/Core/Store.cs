using System.Globalization;
namespace AdminPortal.Simulators.Core;

/// <summary>One account. Only what changed is stored: every field not in <see cref="Fields"/> is derived
/// from (seed, ordinal) on demand, and <see cref="Links"/> stays null until memberships change.
/// Fields and Links are replaced, never mutated in place (readers outside the lock see a consistent value).</summary>
internal sealed class Row
{
    private static int s_linkChanges;
    private int[]? _links;

    public readonly int Ordinal;
    public Dictionary<string, string?>? Fields;
    public bool Active;

    /// <summary>Memberships (packed, see <see cref="Link"/>); null = the seeded ones. Every assignment counts in <see cref="LinkChanges"/>.</summary>
    public int[]? Links
    {
        get => _links;
        set
        {
            _links = value;
            Interlocked.Increment(ref s_linkChanges);
        }
    }

    /// <summary>Membership assignments so far, in any simulator of the process: caches derived from memberships compare it.</summary>
    public static int LinkChanges => Volatile.Read(ref s_linkChanges);
    public int Version;

    public Row(int ordinal, bool active)
    {
        Ordinal = ordinal;
        Active = active;
    }
}

/// <summary>Packed membership: entitlement type (3 bits), entitlement ordinal (24 bits), role (4 bits).</summary>
internal static class Link
{
    public static int Pack(int type, int entOrdinal, int role) => (type << 28) | (entOrdinal << 4) | role;
    public static int Type(int link) => (link >> 28) & 0x7;
    public static int Ent(int link) => (link >> 4) & 0xFFFFFF;
    public static int Role(int link) => link & 0xF;
}

internal delegate bool TryParseId(string id, out long ordinal);

/// <summary>An account collection in creation order with ids derived from ordinals.</summary>
internal sealed class AccountTable
{
    private readonly List<Row?> _byOrdinal = new();
    private readonly List<Row> _live = new();
    private readonly Dictionary<string, Row> _byKey;
    private readonly Dictionary<string, Row> _byUnique;
    private readonly Func<long, string> _idOf;
    private readonly TryParseId _parse;

    public string Kind { get; }
    /// <summary>Derives the value of a field for a seeded account that has not overridden it.</summary>
    public required Func<int, string, string?> Derive { get; init; }
    /// <summary>Derives the seeded memberships of an account.</summary>
    public Func<int, int[]> DeriveLinks { get; init; } = _ => Array.Empty<int>();
    /// <summary>Field whose value is unique (checked on create/rename), or null.</summary>
    public string? UniqueField { get; init; }

    public AccountTable(string kind, Func<long, string> idOf, TryParseId parse, StringComparer keyComparer)
    {
        Kind = kind;
        _idOf = idOf;
        _parse = parse;
        _byKey = new Dictionary<string, Row>(keyComparer);
        _byUnique = new Dictionary<string, Row>(StringComparer.OrdinalIgnoreCase);
    }

    public int Count => _live.Count;
    /// <summary>Rows added or removed so far (the live list changed); caches derived from it compare it.</summary>
    public int Version { get; private set; }
    public Row this[int index] => _live[index];
    public IReadOnlyList<Row> Live => _live;
    public int NextOrdinal => _byOrdinal.Count;

    public void Clear()
    {
        Version++;
        _byOrdinal.Clear();
        _live.Clear();
        _byKey.Clear();
        _byUnique.Clear();
    }

    public void Reserve(int n)
    {
        _byOrdinal.Capacity = Math.Max(_byOrdinal.Capacity, n);
        _live.Capacity = Math.Max(_live.Capacity, n);
    }

    public string IdOf(Row r) => r.Fields is { } f && f.TryGetValue("id", out var id) && id is not null ? id : _idOf(r.Ordinal);

    public string? Get(Row r, string field) =>
        r.Fields is { } f && f.TryGetValue(field, out var v) ? v : Derive(r.Ordinal, field);

    /// <summary>Appends a seeded row (fields derived).</summary>
    public Row AddSeeded(bool active)
    {
        var r = new Row(_byOrdinal.Count, active);
        Version++;
        _byOrdinal.Add(r);
        _live.Add(r);
        return r;
    }

    /// <summary>Appends a row with explicit fields (id may be given in fields["id"]).</summary>
    public Row AddNew(Dictionary<string, string?> fields, bool active)
    {
        var r = new Row(_byOrdinal.Count, active) { Fields = fields, Links = Array.Empty<int>() };
        Version++;
        _byOrdinal.Add(r);
        _live.Add(r);
        if (fields.TryGetValue("id", out var id) && id is not null) _byKey[id] = r;
        if (UniqueField is not null && fields.TryGetValue(UniqueField, out var u) && u is not null) _byUnique[u] = r;
        return r;
    }

    public Row? Find(string id)
    {
        if (_byKey.TryGetValue(id, out var r)) return r;
        if (!_parse(id, out var o) || o < 0 || o >= _byOrdinal.Count) return null;
        r = _byOrdinal[(int)o];
        if (r is null || r.Fields is { } f && f.ContainsKey("id")) return null;
        return string.Equals(_idOf(o), id, StringComparison.OrdinalIgnoreCase) ? r : null;
    }

    /// <summary>Finds the live row whose unique field equals value (case-insensitive).</summary>
    public Row? FindByUnique(string value)
    {
        if (UniqueField is null) return null;
        if (_byUnique.TryGetValue(value, out var r)) return r;
        // Derived unique values end with the ordinal before '@' (emails) or at the end.
        var o = TrailingNumber(value);
        if (o < 0 || o >= _byOrdinal.Count) return null;
        r = _byOrdinal[(int)o];
        if (r is null || r.Fields is { } f && f.ContainsKey(UniqueField)) return null;
        return string.Equals(Derive(r.Ordinal, UniqueField), value, StringComparison.OrdinalIgnoreCase) ? r : null;
    }

    private static long TrailingNumber(string s)
    {
        var end = s.IndexOf('@');
        if (end < 0) end = s.Length;
        var start = end;
        while (start > 0 && char.IsAsciiDigit(s[start - 1])) start--;
        if (start == end || end - start > 9) return -1;
        return long.Parse(s.AsSpan(start, end - start), CultureInfo.InvariantCulture);
    }

    public void Set(Row r, string field, string? value)
    {
        var f = r.Fields is null ? new Dictionary<string, string?>() : new Dictionary<string, string?>(r.Fields);
        if (field == UniqueField)
        {
            var old = Get(r, field);
            if (old is not null && _byUnique.TryGetValue(old, out var cur) && ReferenceEquals(cur, r)) _byUnique.Remove(old);
            if (value is not null) _byUnique[value] = r;
        }
        if (field == "id")
        {
            var oldId = IdOf(r);
            if (_byKey.TryGetValue(oldId, out var cur) && ReferenceEquals(cur, r)) _byKey.Remove(oldId);
            if (value is not null) _byKey[value] = r;
        }
        f[field] = value;
        r.Fields = f;
    }

    public int[] LinksOf(Row r) => r.Links ?? DeriveLinks(r.Ordinal);

    public void Remove(Row r)
    {
        if (r.Ordinal >= _byOrdinal.Count || !ReferenceEquals(_byOrdinal[r.Ordinal], r)) return;
        _byOrdinal[r.Ordinal] = null;
        Version++;
        var i = IndexAtOrAfter(r.Ordinal);
        if (i < _live.Count && ReferenceEquals(_live[i], r)) _live.RemoveAt(i);
        var id = IdOf(r);
        if (_byKey.TryGetValue(id, out var k) && ReferenceEquals(k, r)) _byKey.Remove(id);
        if (UniqueField is not null && Get(r, UniqueField) is { } u && _byUnique.TryGetValue(u, out var x) && ReferenceEquals(x, r))
            _byUnique.Remove(u);
    }

    /// <summary>Index in the live list of the first row whose ordinal is ≥ ordinal.</summary>
    public int IndexAtOrAfter(int ordinal)
    {
        int lo = 0, hi = _live.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_live[mid].Ordinal < ordinal) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}

/// <summary>An entitlement (group, team, site, environment…). Entitlements are few, so they are materialized.</summary>
internal sealed class Ent
{
    public required int Ordinal { get; init; }
    public required string Id { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public DateTime Created { get; set; }
    public DateTime Updated { get; set; }
    public bool Active { get; set; } = true;
    public bool Deleted { get; set; }
    public int Version { get; set; }
    public Dictionary<string, string?> Extra { get; } = new();
}

internal sealed class EntTable
{
    private readonly List<Ent> _all = new();
    private readonly Dictionary<string, Ent> _byId;

    public string Type { get; }
    public int SeededCount { get; set; }

    public EntTable(string type, StringComparer comparer)
    {
        Type = type;
        _byId = new Dictionary<string, Ent>(comparer);
    }

    public IEnumerable<Ent> Live => _all.Where(e => !e.Deleted);
    public List<Ent> LiveList() => _all.Where(e => !e.Deleted).ToList();
    public int NextOrdinal => _all.Count;

    public Ent? ByOrdinal(int ordinal) => ordinal < _all.Count && !_all[ordinal].Deleted ? _all[ordinal] : null;

    public Ent? Find(string id) => _byId.TryGetValue(id, out var e) && !e.Deleted ? e : null;

    public Ent Add(Ent e)
    {
        _all.Add(e);
        _byId[e.Id] = e;
        return e;
    }

    public void Remove(Ent e)
    {
        e.Deleted = true;
        _byId.Remove(e.Id);
    }

    public void ChangeId(Ent e, string newId)
    {
        _byId.Remove(e.Id);
        e.Id = newId;
        _byId[newId] = e;
    }

    public void Clear()
    {
        _all.Clear();
        _byId.Clear();
        SeededCount = 0;
    }
}
