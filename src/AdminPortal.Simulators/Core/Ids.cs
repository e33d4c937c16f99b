using System.Globalization;

namespace AdminPortal.Simulators.Core;

/// <summary>Deterministic, invertible id generation: ids look random but map back to the ordinal,
/// so a million seeded accounts need no id strings or lookup dictionaries.</summary>
internal static class Ids
{
    private const ulong M1 = 0xbf58476d1ce4e5b9UL, M2 = 0x94d049bb133111ebUL;
    private static readonly ulong M1Inv = Inverse(M1), M2Inv = Inverse(M2);
    private const uint N1 = 0x7feb352dU, N2 = 0x846ca68bU;
    private static readonly uint N1Inv = Inverse32(N1), N2Inv = Inverse32(N2);

    private static ulong Inverse(ulong a) { ulong x = a; for (int i = 0; i < 6; i++) x *= 2 - a * x; return x; }
    private static uint Inverse32(uint a) { uint x = a; for (int i = 0; i < 5; i++) x *= 2 - a * x; return x; }

    public static ulong Mix64(ulong z)
    {
        z = (z ^ (z >> 30)) * M1;
        z = (z ^ (z >> 27)) * M2;
        return z ^ (z >> 31);
    }

    public static ulong Unmix64(ulong z)
    {
        z = UnXorShift(z, 31) * M2Inv;
        z = UnXorShift(z, 27) * M1Inv;
        return UnXorShift(z, 30);
    }

    private static ulong UnXorShift(ulong y, int s)
    {
        ulong x = y;
        for (int i = 0; i < 64 / s + 1; i++) x = y ^ (x >> s);
        return x;
    }

    public static uint Mix32(uint x)
    {
        x ^= x >> 16; x *= N1; x ^= x >> 15; x *= N2; x ^= x >> 16;
        return x;
    }

    public static uint Unmix32(uint x)
    {
        x ^= x >> 16; x *= N2Inv; x = UnXor32(x, 15); x *= N1Inv; x ^= x >> 16;
        return x;
    }

    private static uint UnXor32(uint y, int s)
    {
        uint x = y;
        for (int i = 0; i < 32 / s + 1; i++) x = y ^ (x >> s);
        return x;
    }

    /// <summary>Hash for derived fields.</summary>
    public static ulong Hash(int seed, long ordinal, int salt) =>
        Mix64(((ulong)(uint)seed << 32) ^ (ulong)ordinal ^ ((ulong)(uint)salt * 0x9E3779B97F4A7C15UL));

    private static ulong Key(int seed, int salt) => Mix64((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)salt);

    // RFC 4122-looking UUID (lowercase) whose first 64 bits encode the ordinal.
    public static string Uuid(int seed, int salt, long ordinal)
    {
        var hi = Mix64((ulong)ordinal ^ Key(seed, salt));
        var lo = Mix64(hi ^ Key(seed, salt + 1));
        lo = (lo & 0x3FFFFFFFFFFFFFFFUL) | 0x8000000000000000UL; // variant
        // one allocation: listings format an id per user and per group member (millions per 1M-user listing)
        return string.Create(36, (hi, lo), static (c, v) =>
        {
            Hex(c[..8], v.hi, 0);
            c[8] = '-';
            Hex(c[9..13], v.hi, 8);
            c[13] = '-';
            Hex(c[14..18], v.hi, 12);
            c[18] = '-';
            Hex(c[19..23], v.lo, 0);
            c[23] = '-';
            Hex(c[24..], v.lo, 4);
        });
    }

    /// <summary>Writes <paramref name="dest"/>.Length lowercase hex digits of <paramref name="value"/>, starting at nibble
    /// <paramref name="firstNibble"/> (0 = the most significant).</summary>
    private static void Hex(Span<char> dest, ulong value, int firstNibble)
    {
        for (int i = 0; i < dest.Length; i++)
            dest[i] = "0123456789abcdef"[(int)(value >> (60 - 4 * (firstNibble + i))) & 0xF];
    }

    public static bool TryParseUuid(string id, int seed, int salt, out long ordinal)
    {
        ordinal = -1;
        if (id.Length != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-') return false;
        if (!ulong.TryParse(string.Concat(id.AsSpan(0, 8), id.AsSpan(9, 4), id.AsSpan(14, 4)), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hi)) return false;
        var o = Unmix64(hi) ^ Key(seed, salt);
        if (o > int.MaxValue) return false;
        if (!string.Equals(Uuid(seed, salt, (long)o), id, StringComparison.OrdinalIgnoreCase)) return false;
        ordinal = (long)o;
        return true;
    }

    // ColdFusion-style 8-4-4-16 uppercase (Bynder v4).
    public static string CfUuid(int seed, int salt, long ordinal)
    {
        var hi = Mix64((ulong)ordinal ^ Key(seed, salt));
        var lo = Mix64(hi ^ Key(seed, salt + 1));
        var h = hi.ToString("X16", CultureInfo.InvariantCulture);
        var l = lo.ToString("X16", CultureInfo.InvariantCulture);
        return $"{h[..8]}-{h[8..12]}-{h[12..16]}-{l}";
    }

    public static bool TryParseCfUuid(string id, int seed, int salt, out long ordinal)
    {
        ordinal = -1;
        if (id.Length != 35 || id[8] != '-' || id[13] != '-' || id[18] != '-') return false;
        if (!ulong.TryParse(string.Concat(id.AsSpan(0, 8), id.AsSpan(9, 4), id.AsSpan(14, 4)), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hi)) return false;
        var o = Unmix64(hi) ^ Key(seed, salt);
        if (o > int.MaxValue) return false;
        if (!string.Equals(CfUuid(seed, salt, (long)o), id, StringComparison.OrdinalIgnoreCase)) return false;
        ordinal = (long)o;
        return true;
    }

    private const string B36 = "0123456789abcdefghijklmnopqrstuvwxyz";

    // Short prefixed ids like u-a83k9b0, sa-0x1y2z3, env-7k2m9qa, rb-…
    public static string Short(string prefix, int seed, int salt, long ordinal)
    {
        uint v = Mix32((uint)ordinal ^ (uint)Key(seed, salt));
        Span<char> buf = stackalloc char[7];
        for (int i = 6; i >= 0; i--) { buf[i] = B36[(int)(v % 36)]; v /= 36; }
        return prefix + new string(buf);
    }

    // Longer prefixed ids that carry 64 bits (role bindings: account + link).
    public static string Long(string prefix, int seed, int salt, ulong value)
    {
        var v = Mix64(value ^ Key(seed, salt));
        Span<char> buf = stackalloc char[13];
        for (int i = 12; i >= 0; i--) { buf[i] = B36[(int)(v % 36)]; v /= 36; }
        return prefix + new string(buf);
    }

    public static bool TryParseLong(string id, string prefix, int seed, int salt, out ulong value)
    {
        value = 0;
        if (!id.StartsWith(prefix, StringComparison.Ordinal) || id.Length != prefix.Length + 13) return false;
        UInt128 v = 0;
        foreach (var c in id.AsSpan(prefix.Length))
        {
            var d = B36.IndexOf(c);
            if (d < 0) return false;
            v = v * 36 + (uint)d;
        }
        if (v > ulong.MaxValue) return false;
        value = Unmix64((ulong)v) ^ Key(seed, salt);
        return true;
    }

    public static bool TryParseShort(string id, string prefix, int seed, int salt, out long ordinal)
    {
        ordinal = -1;
        if (!id.StartsWith(prefix, StringComparison.Ordinal) || id.Length != prefix.Length + 7) return false;
        ulong v = 0;
        foreach (var c in id.AsSpan(prefix.Length))
        {
            var d = B36.IndexOf(c);
            if (d < 0) return false;
            v = v * 36 + (ulong)d;
        }
        if (v > uint.MaxValue) return false;
        var o = Unmix32((uint)v) ^ (uint)Key(seed, salt);
        ordinal = o;
        return o <= int.MaxValue;
    }
}

internal static class Names
{
    public static readonly string[] First =
    {
        "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
        "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Karen",
        "Priya", "Wei", "Fatima", "Olga", "Hiroshi", "Amara", "Lars", "Sofia", "Mateo", "Ingrid",
        "Noah", "Emma", "Liam", "Olivia", "Lucas", "Mia", "Ethan", "Aisha", "Omar", "Chloe",
    };

    public static readonly string[] Last =
    {
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
        "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
        "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Lewis", "Robinson", "Walker",
        "Nakamura", "Kowalski", "Okafor", "Schmidt", "Rossi", "Dubois", "Nguyen", "Patel", "Kim", "Larsen",
    };

    public static readonly string[] Cities = { "Austin", "Berlin", "Denver", "Dublin", "Lyon", "Madrid", "Oslo", "Phoenix", "Pune", "Seattle" };

    public static string FirstOf(int seed, long o) => First[(int)(Ids.Hash(seed, o, 11) % (ulong)First.Length)];
    public static string LastOf(int seed, long o) => Last[(int)(Ids.Hash(seed, o, 12) % (ulong)Last.Length)];
    public static string CityOf(int seed, long o) => Cities[(int)(Ids.Hash(seed, o, 13) % (ulong)Cities.Length)];

    public static string EmailOf(int seed, long o, string domain = "example.com") =>
        $"{FirstOf(seed, o).ToLowerInvariant()}.{LastOf(seed, o).ToLowerInvariant()}{o}@{domain}";

    public static readonly DateTime BaseTime = new(2023, 1, 2, 8, 0, 0, DateTimeKind.Utc);

    public static DateTime CreatedOf(int seed, long o) => BaseTime.AddSeconds(o * 17 + (long)(Ids.Hash(seed, o, 14) % 17));

    /// <summary>yyyy-MM-ddTHH:mm:ss.fffZ, digit by digit: listings write two per account, and the general formatter
    /// parses its pattern on every call.</summary>
    public static string Iso(DateTime t) => string.Create(24, t, static (c, t) =>
    {
        Digits(c[..4], t.Year);
        c[4] = '-';
        Digits(c.Slice(5, 2), t.Month);
        c[7] = '-';
        Digits(c.Slice(8, 2), t.Day);
        c[10] = 'T';
        Digits(c.Slice(11, 2), t.Hour);
        c[13] = ':';
        Digits(c.Slice(14, 2), t.Minute);
        c[16] = ':';
        Digits(c.Slice(17, 2), t.Second);
        c[19] = '.';
        Digits(c.Slice(20, 3), t.Millisecond);
        c[23] = 'Z';
    });

    private static void Digits(Span<char> dest, int value)
    {
        for (var i = dest.Length - 1; i >= 0; i--, value /= 10) dest[i] = (char)('0' + value % 10);
    }
    public static string Rfc3339(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
