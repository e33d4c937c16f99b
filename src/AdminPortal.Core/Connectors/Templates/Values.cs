using System.Collections;
using System.Globalization;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Templates;

/// <summary>A map entry as seen by closures iterating over a map (<c>it.key</c>, <c>it.value</c>).</summary>
internal sealed record MapEntryValue(string Key, object? Value);

/// <summary>Value helpers shared by the interpreter and the import mapper: normalisation of JSON/CLR values,
/// Groovy-style truthiness, equality, comparison and string forms.</summary>
internal static class Values
{
    public static object? Normalize(object? v)
    {
        switch (v)
        {
            case null: return null;
            case JValue jv:
                return jv.Type switch
                {
                    JTokenType.Null or JTokenType.Undefined => null,
                    JTokenType.Integer => jv.Value is System.Numerics.BigInteger bi ? (object)(double)bi : (object)Convert.ToInt64(jv.Value, CultureInfo.InvariantCulture),
                    JTokenType.Float => Convert.ToDouble(jv.Value, CultureInfo.InvariantCulture),
                    JTokenType.Boolean => (bool)jv.Value!,
                    JTokenType.Date => jv.Value is DateTime dt ? dt.ToString("o", CultureInfo.InvariantCulture)
                                     : jv.Value is DateTimeOffset dto ? dto.ToString("o", CultureInfo.InvariantCulture) : jv.ToString(CultureInfo.InvariantCulture),
                    _ => jv.Value is null ? null : Convert.ToString(jv.Value, CultureInfo.InvariantCulture),
                };
            case int i: return (long)i;
            case short s: return (long)s;
            case byte b: return (long)b;
            case uint ui: return (long)ui;
            case float f: return (double)f;
            case decimal d: return (double)d;
            case char c: return c.ToString();
            default: return v;
        }
    }

    public static bool IsNumber(object? v) => v is long or double;

    public static bool IsMap(object? v) => v is JObject or IDictionary or IReadOnlyDictionary<string, object?> or IReadOnlyDictionary<string, string?>;

    public static bool IsList(object? v) => v is JArray || (v is IList && v is not string) || (v is IEnumerable && v is not string && !IsMap(v) && v is not JToken);

    public static bool TryGetMapValue(object? target, string key, out object? value)
    {
        switch (target)
        {
            case JObject jo:
                if (jo.TryGetValue(key, StringComparison.Ordinal, out var tok)) { value = Normalize(tok); return true; }
                value = null; return false;
            case IDictionary<string, object?> d:
                if (d.TryGetValue(key, out value)) { value = Normalize(value); return true; }
                return false;
            case IReadOnlyDictionary<string, object?> rd:
                if (rd.TryGetValue(key, out value)) { value = Normalize(value); return true; }
                return false;
            case IReadOnlyDictionary<string, string?> sd:
                if (sd.TryGetValue(key, out var s)) { value = s; return true; }
                value = null; return false;
            case IDictionary nd:
                if (nd.Contains(key)) { value = Normalize(nd[key]); return true; }
                value = null; return false;
        }
        value = null;
        return false;
    }

    public static IEnumerable<MapEntryValue> MapEntries(object map)
    {
        switch (map)
        {
            case JObject jo:
                foreach (var p in jo.Properties()) yield return new MapEntryValue(p.Name, Normalize(p.Value));
                break;
            case IDictionary<string, object?> d:
                foreach (var kv in d) yield return new MapEntryValue(kv.Key, Normalize(kv.Value));
                break;
            case IReadOnlyDictionary<string, object?> rd:
                foreach (var kv in rd) yield return new MapEntryValue(kv.Key, Normalize(kv.Value));
                break;
            case IReadOnlyDictionary<string, string?> sd:
                foreach (var kv in sd) yield return new MapEntryValue(kv.Key, kv.Value);
                break;
            case IDictionary nd:
                foreach (DictionaryEntry e in nd) yield return new MapEntryValue(Convert.ToString(e.Key, CultureInfo.InvariantCulture) ?? "", Normalize(e.Value));
                break;
        }
    }

    public static int MapCount(object map) => map switch
    {
        JObject jo => jo.Count,
        ICollection c => c.Count,
        IReadOnlyCollection<KeyValuePair<string, object?>> rc => rc.Count,
        IReadOnlyCollection<KeyValuePair<string, string?>> sc => sc.Count,
        _ => MapEntries(map).Count(),
    };

    /// <summary>A read view of a list-like value (elements normalised).</summary>
    public static IReadOnlyList<object?> ListView(object list)
    {
        switch (list)
        {
            case List<object?> l: return l;
            case JArray ja: return ja.Select(t => Normalize(t)).ToList();
            case IList il:
            {
                var r = new List<object?>(il.Count);
                foreach (var o in il) r.Add(Normalize(o));
                return r;
            }
            case IEnumerable e:
            {
                var r = new List<object?>();
                foreach (var o in e) r.Add(Normalize(o));
                return r;
            }
        }
        throw new InvalidOperationException("not a list");
    }

    public static bool Truthy(object? v) => Normalize(v) switch
    {
        null => false,
        bool b => b,
        string s => s.Length > 0,
        long l => l != 0,
        double d => d != 0,
        StringBuilderValue sb => sb.Builder.Length > 0,
        var o when IsMap(o) => MapCount(o!) > 0,
        JArray ja => ja.Count > 0,
        ICollection c => c.Count > 0,
        _ => true,
    };

    public static bool GroovyEquals(object? a, object? b)
    {
        a = Normalize(a);
        b = Normalize(b);
        if (a is null || b is null) return a is null && b is null;
        if (a is long la && b is long lb) return la == lb;
        if (IsNumber(a) && IsNumber(b)) return Convert.ToDouble(a, CultureInfo.InvariantCulture) == Convert.ToDouble(b, CultureInfo.InvariantCulture);
        if (a is string || b is string || a is StringBuilderValue || b is StringBuilderValue)
        {
            if ((a is string or StringBuilderValue) && (b is string or StringBuilderValue)) return ToStr(a) == ToStr(b);
            return false;
        }
        if (a is bool ba && b is bool bb) return ba == bb;
        if (IsList(a) && IsList(b))
        {
            var x = ListView(a);
            var y = ListView(b);
            if (x.Count != y.Count) return false;
            for (int i = 0; i < x.Count; i++) if (!GroovyEquals(x[i], y[i])) return false;
            return true;
        }
        if (IsMap(a) && IsMap(b))
        {
            var x = MapEntries(a).ToList();
            if (x.Count != MapCount(b)) return false;
            foreach (var e in x)
            {
                if (!TryGetMapValue(b, e.Key, out var other) || !GroovyEquals(e.Value, other)) return false;
            }
            return true;
        }
        return Equals(a, b);
    }

    /// <summary>Groovy-style string form (lists as <c>[a, b]</c>, maps as <c>[k:v]</c>, null as "null").</summary>
    public static string ToStr(object? v)
    {
        v = Normalize(v);
        switch (v)
        {
            case null: return "null";
            case string s: return s;
            case bool b: return b ? "true" : "false";
            case long l: return l.ToString(CultureInfo.InvariantCulture);
            case double d: return JavaDouble(d);
            case StringBuilderValue sb: return sb.Builder.ToString();
            case JsonBuilderValue jb: return ToJson(jb.Content);
            case MapEntryValue me: return me.Key + "=" + ToStr(me.Value);
            case ClosureValue: return "Closure";
        }
        if (IsMap(v))
        {
            var entries = MapEntries(v!).ToList();
            if (entries.Count == 0) return "[:]";
            return "[" + string.Join(", ", entries.Select(e => e.Key + ":" + ToStr(e.Value))) + "]";
        }
        if (IsList(v)) return "[" + string.Join(", ", ListView(v!).Select(ToStr)) + "]";
        return v!.ToString() ?? "";
    }

    public static string JavaDouble(double d)
    {
        if (double.IsNaN(d)) return "NaN";
        if (double.IsInfinity(d)) return d > 0 ? "Infinity" : "-Infinity";
        if (d == Math.Floor(d) && Math.Abs(d) < 1e7) return d.ToString("0.0", CultureInfo.InvariantCulture);
        var abs = Math.Abs(d);
        if (abs >= 1e-3 && abs < 1e7) return d.ToString("R", CultureInfo.InvariantCulture);
        var s = d.ToString("0.0###############E0", CultureInfo.InvariantCulture);
        return s;
    }

    /// <summary>Converts a value to a JToken (for JSON output).</summary>
    public static JToken ToJToken(object? v)
    {
        v = Normalize(v);
        switch (v)
        {
            case null: return JValue.CreateNull();
            case JToken t: return t.DeepClone();
            case string s: return new JValue(s);
            case long l: return new JValue(l);
            case double d: return new JValue(d);
            case bool b: return new JValue(b);
            case StringBuilderValue sb: return new JValue(sb.Builder.ToString());
            case JsonBuilderValue jb: return ToJToken(jb.Content);
            case MapEntryValue me: return new JObject { [me.Key] = ToJToken(me.Value) };
        }
        if (IsMap(v))
        {
            var o = new JObject();
            foreach (var e in MapEntries(v!)) o[e.Key] = ToJToken(e.Value);
            return o;
        }
        if (IsList(v)) return new JArray(ListView(v!).Select(ToJToken));
        return new JValue(v!.ToString());
    }

    public static string ToJson(object? v) => ToJToken(v).ToString(Formatting.None);

    /// <summary>Escapes a string for insertion between the quotes of a JSON string.</summary>
    public static string JsonEscape(string s)
    {
        var q = JsonConvert.ToString(s);
        return q.Substring(1, q.Length - 2);
    }

    public static string TypeName(object? v) => Normalize(v) switch
    {
        null => "null",
        string => "String",
        long => "Integer",
        double => "Double",
        bool => "Boolean",
        ClosureValue => "Closure",
        var o when IsMap(o) => "Map",
        var o when IsList(o) => "List",
        var o => o!.GetType().Name,
    };
}

/// <summary>Sandbox-safe StringBuilder.</summary>
internal sealed class StringBuilderValue
{
    public StringBuilder Builder { get; } = new();
    public override string ToString() => Builder.ToString();
}

/// <summary>groovy.json.JsonBuilder stand-in: <c>new JsonBuilder(x).toString()</c> gives JSON.</summary>
internal sealed class JsonBuilderValue
{
    public object? Content { get; set; }
    public override string ToString() => Values.ToJson(Content);
}
