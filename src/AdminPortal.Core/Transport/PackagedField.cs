using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Transport;

/// <summary>
/// One key of a packaged JSON object, kept as compact raw JSON (<c>null</c>, <c>1</c>, <c>false</c>,
/// <c>"text"</c>, <c>{...}</c>) so that fields the portal does not understand survive an export unchanged.
/// </summary>
public sealed record PackagedField(string Name, string RawJson)
{
    public static PackagedField FromString(string name, string? value) =>
        new(name, value is null ? "null" : JsonConvert.ToString(value));

    public static PackagedField FromBoolean(string name, bool? value) =>
        new(name, value is null ? "null" : value.Value ? "true" : "false");

    public static PackagedField FromInt(string name, long? value) =>
        new(name, value is null ? "null" : value.Value.ToString(CultureInfo.InvariantCulture));

    public static PackagedField FromToken(string name, JToken? value) =>
        new(name, value is null ? "null" : value.ToString(Formatting.None));

    /// <summary>The value as a JSON token (a fresh copy on each call).</summary>
    public JToken ToToken() => SafeJson.ParseTrusted(RawJson);

    /// <summary>JSON null → null; a JSON string → its text; any other scalar → its JSON text; objects and arrays → their compact JSON.</summary>
    public string? AsString()
    {
        var token = ToToken();
        return token.Type switch
        {
            JTokenType.Null => null,
            JTokenType.String => (string?)token,
            JTokenType.Boolean => (bool)token ? "true" : "false",
            _ => token.Type is JTokenType.Object or JTokenType.Array
                ? token.ToString(Formatting.None)
                : Convert.ToString(((JValue)token).Value, CultureInfo.InvariantCulture),
        };
    }

    /// <summary>true/false, 1/0, "true"/"false", "1"/"0" → bool; anything else → null.</summary>
    public bool? AsBoolean()
    {
        var token = ToToken();
        return token.Type switch
        {
            JTokenType.Boolean => (bool)token,
            JTokenType.Integer => (long)token != 0,
            JTokenType.String => ((string?)token)?.Trim().ToLowerInvariant() switch
            {
                "true" or "1" => true,
                "false" or "0" => false,
                _ => null,
            },
            _ => null,
        };
    }
}

/// <summary>Ordered field list helpers shared by the packaged object types.</summary>
internal static class PackagedFields
{
    public static PackagedField? Find(IReadOnlyList<PackagedField> fields, string name)
    {
        foreach (var f in fields)
        {
            if (string.Equals(f.Name, name, StringComparison.Ordinal))
                return f;
        }

        foreach (var f in fields)
        {
            if (string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))
                return f;
        }

        return null;
    }

    public static bool SequenceEqual<T>(IReadOnlyList<T> a, IReadOnlyList<T> b) => a.SequenceEqual(b);

    public static int Hash<T>(IReadOnlyList<T> items)
    {
        var h = new HashCode();
        foreach (var i in items)
            h.Add(i);
        return h.ToHashCode();
    }
}
