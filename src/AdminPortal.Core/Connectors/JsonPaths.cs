using System.Globalization;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors;

/// <summary>Saviynt-style dot paths: <c>a.b</c>, <c>a[0].b</c>, <c>a~dot#b</c> (literal dot in a key). A property step on
/// an array collects that property from every element. A path that is itself a top-level key is read literally.</summary>
internal static class JsonPaths
{
    public static JToken? Select(JToken? root, string? path)
    {
        if (root is null) return null;
        if (string.IsNullOrEmpty(path)) return root;
        if (root is JObject ro && ro.TryGetValue(path, StringComparison.Ordinal, out var literal)) return literal;
        var current = root;
        foreach (var rawSeg in Split(path))
        {
            if (current is null || current.Type == JTokenType.Null) return null;
            var seg = rawSeg;
            string name = seg;
            var indexes = new List<int>();
            int br = seg.IndexOf('[', StringComparison.Ordinal);
            if (br >= 0 && seg.EndsWith(']'))
            {
                name = seg[..br];
                foreach (var part in seg[br..].Split(']', StringSplitOptions.RemoveEmptyEntries))
                {
                    var t = part.TrimStart('[').Trim().Trim('\'', '"');
                    if (int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var idx)) indexes.Add(idx);
                    else { name = name.Length == 0 ? t : name + "." + t; }
                }
            }
            if (name.Length > 0) current = Property(current, name);
            foreach (var idx in indexes)
            {
                if (current is not JArray arr) return null;
                int i = idx < 0 ? arr.Count + idx : idx;
                current = i >= 0 && i < arr.Count ? arr[i] : null;
            }
        }
        return current;
    }

    private static JToken? Property(JToken current, string name)
    {
        switch (current)
        {
            case JObject o:
                return o.TryGetValue(name, StringComparison.Ordinal, out var v) ? v : null;
            case JArray a:
            {
                if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var i)) return i < a.Count ? a[i] : null;
                var r = new JArray();
                foreach (var item in a)
                {
                    var x = Property(item, name);
                    if (x is null || x.Type == JTokenType.Null) continue;
                    if (x is JArray inner) foreach (var y in inner) r.Add(y); else r.Add(x);
                }
                return r;
            }
        }
        return null;
    }

    private static IEnumerable<string> Split(string path)
        => path.Replace("~dot#", "\u0001", StringComparison.Ordinal).Split('.').Select(s => s.Replace('\u0001', '.'));

    /// <summary>String form of a scalar; arrays of scalars comma-joined; objects/other arrays as compact JSON.</summary>
    public static string? ToText(JToken? t)
    {
        switch (t)
        {
            case null: return null;
            case JValue v:
                return v.Type switch
                {
                    JTokenType.Null or JTokenType.Undefined => null,
                    JTokenType.Boolean => (bool)v ? "true" : "false",
                    JTokenType.Float => Templates.Values.JavaDouble((double)v) is var s && s.EndsWith(".0", StringComparison.Ordinal) && Math.Abs((double)v) < 1e15 ? ((double)v).ToString("0.############", CultureInfo.InvariantCulture) : ((double)v).ToString("R", CultureInfo.InvariantCulture),
                    JTokenType.Date => v.Value is DateTime dt ? dt.ToString("o", CultureInfo.InvariantCulture) : v.ToString(CultureInfo.InvariantCulture),
                    _ => Convert.ToString(v.Value, CultureInfo.InvariantCulture),
                };
            case JArray a when a.All(x => x is JValue):
                return string.Join(",", a.Select(x => ToText(x)).Where(x => x is not null));
            default:
                return t.ToString(Newtonsoft.Json.Formatting.None);
        }
    }
}
