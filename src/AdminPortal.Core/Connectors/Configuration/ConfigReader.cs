using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Configuration;

/// <summary>Lenient typed reads over connector JSON: numbers may be strings, booleans may be "true"/"false";
/// wrong types raise <see cref="ConnectorConfigException"/> with the JSON path and line.</summary>
internal sealed class ConfigReader
{
    public ConfigReader(string attribute) => Attribute = attribute;

    public string Attribute { get; }

    public static JToken ParseJson(string attribute, string text)
    {
        try
        {
            using var sr = new StringReader(text);
            using var reader = new JsonTextReader(sr) { DateParseHandling = DateParseHandling.None, FloatParseHandling = FloatParseHandling.Double };
            var token = JToken.ReadFrom(reader, new JsonLoadSettings { LineInfoHandling = LineInfoHandling.Load, CommentHandling = CommentHandling.Ignore, DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Replace });
            while (reader.Read())
            {
                if (reader.TokenType != JsonToken.Comment)
                    throw new ConnectorConfigException(attribute, reader.Path, "unexpected content after the JSON document", reader.LineNumber, reader.LinePosition);
            }
            return token;
        }
        catch (JsonReaderException ex)
        {
            throw new ConnectorConfigException(attribute, ex.Path ?? "", "invalid JSON: " + ex.Message, ex.LineNumber, ex.LinePosition, ex);
        }
    }

    public ConnectorConfigException Error(JToken? token, string detail) => ConnectorConfigException.At(Attribute, token, detail);

    public JObject? Object(JObject parent, string key)
    {
        var t = parent[key];
        if (t is null || t.Type == JTokenType.Null) return null;
        if (t is JObject o) return o;
        if (t.Type == JTokenType.String && string.IsNullOrWhiteSpace((string?)t)) return null;
        throw Error(t, $"'{key}' must be an object, found {Describe(t)}");
    }

    public string? String(JObject parent, string key)
    {
        var t = parent[key];
        if (t is null || t.Type == JTokenType.Null) return null;
        if (t is JValue v && t.Type is JTokenType.String or JTokenType.Integer or JTokenType.Float or JTokenType.Boolean)
            return Convert.ToString(v.Value, CultureInfo.InvariantCulture) is { } s && t.Type == JTokenType.Boolean ? s.ToLowerInvariant() : Convert.ToString(v.Value, CultureInfo.InvariantCulture);
        throw Error(t, $"'{key}' must be a string, found {Describe(t)}");
    }

    public int? Int(JObject parent, string key)
    {
        var t = parent[key];
        if (t is null || t.Type == JTokenType.Null) return null;
        if (t.Type == JTokenType.Integer) return checked((int)(long)t);
        if (t.Type == JTokenType.Float && (double)t == Math.Floor((double)t)) return (int)(double)t;
        if (t.Type == JTokenType.String)
        {
            var s = ((string?)t ?? "").Trim();
            if (s.Length == 0) return null;
            if (int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i)) return i;
        }
        throw Error(t, $"'{key}' must be an integer (a number or numeric string), found {Describe(t!)}");
    }

    public bool? Bool(JObject parent, string key)
    {
        var t = parent[key];
        if (t is null || t.Type == JTokenType.Null) return null;
        if (t.Type == JTokenType.Boolean) return (bool)t;
        if (t.Type == JTokenType.String)
        {
            var s = ((string?)t ?? "").Trim();
            if (s.Length == 0) return null;
            if (bool.TryParse(s, out var b)) return b;
        }
        if (t!.Type == JTokenType.Integer) return (long)t != 0;
        throw Error(t, $"'{key}' must be true or false, found {Describe(t)}");
    }

    /// <summary>A list of strings; a single scalar is accepted as a one-element list.</summary>
    public IReadOnlyList<string> StringList(JObject parent, string key)
    {
        var t = parent[key];
        if (t is null || t.Type == JTokenType.Null) return Array.Empty<string>();
        if (t is JArray a)
        {
            var list = new List<string>();
            foreach (var item in a)
            {
                if (item is JValue v && item.Type != JTokenType.Null) list.Add(ScalarText(v));
                else if (item.Type != JTokenType.Null) throw Error(item, $"elements of '{key}' must be strings or numbers, found {Describe(item)}");
            }
            return list;
        }
        if (t is JValue sv) return new[] { ScalarText(sv) };
        throw Error(t, $"'{key}' must be a list, found {Describe(t)}");
    }

    public IReadOnlyList<int> IntList(JObject parent, string key)
    {
        var list = new List<int>();
        var t = parent[key];
        foreach (var s in StringList(parent, key))
        {
            if (!int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i)) throw Error(t, $"'{key}' must contain integers, found '{s}'");
            list.Add(i);
        }
        return list;
    }

    public IReadOnlyDictionary<string, string> StringMap(JObject parent, string key)
    {
        var o = Object(parent, key);
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        if (o is null) return d;
        foreach (var p in o.Properties())
        {
            if (p.Value is JValue v && p.Value.Type != JTokenType.Null) d[p.Name] = ScalarText(v);
            else if (p.Value.Type != JTokenType.Null) throw Error(p.Value, $"'{key}.{p.Name}' must be a string, found {Describe(p.Value)}");
        }
        return d;
    }

    public static string ScalarText(JValue v) => v.Type == JTokenType.Boolean ? ((bool)v ? "true" : "false") : Convert.ToString(v.Value, CultureInfo.InvariantCulture) ?? "";

    public static string Describe(JToken t) => t.Type switch
    {
        JTokenType.Object => "an object",
        JTokenType.Array => "a list",
        JTokenType.String => $"the string \"{Truncate((string?)t ?? "")}\"",
        JTokenType.Integer or JTokenType.Float => $"the number {t}",
        JTokenType.Boolean => $"the boolean {t}",
        _ => t.Type.ToString(),
    };

    private static string Truncate(string s) => s.Length > 40 ? s[..40] + "…" : s;
}
