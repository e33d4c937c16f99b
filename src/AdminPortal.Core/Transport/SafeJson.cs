using System.Text;
using System.Text.RegularExpressions;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Transport;

/// <summary>Why a JSON text was refused, with the 1-based line/position reported by the parser.</summary>
internal sealed record JsonFailure(TransportErrorCode Code, string Detail, int? Line, int? Position, string? Key);

/// <summary>
/// Strict-enough JSON parsing shared by the reader, the diff and the scrubber: duplicate keys refused,
/// nesting limited, dates and floats left alone (strings stay strings, numbers stay exact), nothing
/// allowed after the document.
/// </summary>
internal static partial class SafeJson
{
    private static readonly JsonLoadSettings LoadSettings = new()
    {
        DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error,
        LineInfoHandling = LineInfoHandling.Load,
        CommentHandling = CommentHandling.Ignore,
    };

    public static JToken? TryParse(string text, int maxDepth, out JsonFailure? failure)
    {
        failure = null;
        using var stringReader = new StringReader(text);
        using var reader = new JsonTextReader(stringReader)
        {
            DateParseHandling = DateParseHandling.None,
            FloatParseHandling = FloatParseHandling.Decimal,
            MaxDepth = maxDepth,
        };
        try
        {
            var token = JToken.ReadFrom(reader, LoadSettings);
            while (reader.Read())
            {
                if (reader.TokenType != JsonToken.Comment)
                {
                    failure = new JsonFailure(TransportErrorCode.InvalidJson, "unexpected text after the end of the JSON document",
                        reader.LineNumber, reader.LinePosition, null);
                    return null;
                }
            }

            return token;
        }
        catch (JsonReaderException ex)
        {
            failure = Describe(ex, maxDepth);
            return null;
        }
    }

    /// <summary>Parses JSON this library produced itself (raw field values).</summary>
    public static JToken ParseTrusted(string raw)
    {
        using var reader = new JsonTextReader(new StringReader(raw))
        {
            DateParseHandling = DateParseHandling.None,
            FloatParseHandling = FloatParseHandling.Decimal,
            MaxDepth = null,
        };
        return JToken.ReadFrom(reader);
    }

    /// <summary>True when the text, ignoring leading whitespace, starts like a JSON object or array.</summary>
    public static bool LooksLikeJsonContainer(string? text)
    {
        if (text is null)
            return false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || c == '\uFEFF')
                continue;
            return c is '{' or '[';
        }

        return false;
    }

    private static JsonFailure Describe(JsonReaderException ex, int maxDepth)
    {
        var message = StripLocation(ex.Message);
        // Newtonsoft reports line 0 for a failure on the very first token; lines and positions here are 1-based.
        var line = Math.Max(1, ex.LineNumber);
        var position = Math.Max(1, ex.LinePosition);
        var path = string.IsNullOrEmpty(ex.Path) ? null : ex.Path;

        var dup = DuplicateRegex().Match(ex.Message);
        if (dup.Success)
        {
            var key = dup.Groups[1].Value;
            var where = path is null ? "" : $" (object at '{ParentPath(path)}')";
            return new JsonFailure(TransportErrorCode.DuplicateKey, $"duplicate key '{key}'{where}", line, position, key);
        }

        if (ex.Message.Contains("MaxDepth", StringComparison.Ordinal))
            return new JsonFailure(TransportErrorCode.NestingTooDeep, $"JSON nesting deeper than {maxDepth} levels", line, position, null);

        return new JsonFailure(TransportErrorCode.InvalidJson, $"not valid JSON: {message}", line, position, null);
    }

    private static string ParentPath(string path)
    {
        var i = path.LastIndexOf('.');
        return i < 0 ? "$" : path[..i];
    }

    private static string StripLocation(string message)
    {
        var m = LocationRegex().Match(message);
        return (m.Success ? message[..m.Index] : message).Trim();
    }

    /// <summary>1-based line and position of a byte offset in UTF-8 text (used for invalid byte reports).</summary>
    public static (int Line, int Position) LocateByte(byte[] bytes, int offset)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset && i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, offset - lineStart + 1);
    }

    public static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    [GeneratedRegex(@"Property with the name '(.*)' already exists")]
    private static partial Regex DuplicateRegex();

    [GeneratedRegex(@"\s*Path '.*', line \d+, position \d+\.\s*$|\s*, line \d+, position \d+\.\s*$|\s*Path '.*'\.\s*$", RegexOptions.Singleline)]
    private static partial Regex LocationRegex();
}

/// <summary>Classification of attribute values (shared by the reader and <see cref="PackagedAttribute.Create"/>).</summary>
internal static class AttributeClassifier
{
    public static AttributeValueKind Classify(string name, string? value, int maxDepth, out JsonFailure? failure)
    {
        failure = null;
        if (string.IsNullOrWhiteSpace(value))
            return AttributeValueKind.Empty;

        var isConnectionJson = string.Equals(name, PackagedAttribute.ConnectionJsonName, StringComparison.OrdinalIgnoreCase);
        if (isConnectionJson && !SafeJson.LooksLikeJsonContainer(value))
            return AttributeValueKind.EncryptedElsewhere;

        SafeJson.TryParse(value, maxDepth, out failure);
        if (failure?.Code == TransportErrorCode.InvalidJson && PlaceholderScanner.Find(value).Count > 0)
        {
            // Template placeholders may stand where a number or literal goes ("pageSize": @PAGE_SIZE@);
            // the text is valid once they are filled, so judge it with each placeholder read as 0.
            SafeJson.TryParse(PlaceholderScanner.Neutralize(value), maxDepth, out var probeFailure);
            if (probeFailure is null)
                failure = null;
        }

        return AttributeValueKind.Json;
    }
}

/// <summary>The <c>entitlementtypes</c> array of an endpoint payload (AdminPortal's own format).</summary>
internal static class EndpointPayload
{
    public const string LabelsKey = "custompropertylabels";

    public static IReadOnlyList<PackagedEntitlementType>? ParseEntitlementTypes(JToken token, out string? error)
    {
        error = null;
        if (token.Type == JTokenType.Null)
            return [];
        if (token is not JArray array)
        {
            error = "must be an array of {name, order, custompropertylabels}";
            return null;
        }

        var result = new List<PackagedEntitlementType>();
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is not JObject o)
            {
                error = $"item {i} must be an object";
                return null;
            }

            if (o["name"] is not JValue { Type: JTokenType.String } nameToken || string.IsNullOrWhiteSpace((string?)nameToken))
            {
                error = $"item {i} needs a non-empty string 'name'";
                return null;
            }

            var order = 0;
            var orderToken = o["order"];
            if (orderToken is not null && orderToken.Type != JTokenType.Null)
            {
                if (orderToken.Type != JTokenType.Integer)
                {
                    error = $"item {i} ('{(string?)nameToken}'): 'order' must be an integer";
                    return null;
                }

                order = (int)(long)orderToken;
            }

            var labels = new List<KeyValuePair<string, string>>();
            var labelsToken = o[LabelsKey];
            if (labelsToken is not null && labelsToken.Type != JTokenType.Null)
            {
                if (labelsToken is not JObject labelObject)
                {
                    error = $"item {i} ('{(string?)nameToken}'): '{LabelsKey}' must be an object of customproperty → label";
                    return null;
                }

                foreach (var p in labelObject.Properties())
                {
                    if (p.Value.Type != JTokenType.String)
                    {
                        error = $"item {i} ('{(string?)nameToken}'): label of '{p.Name}' must be a string";
                        return null;
                    }

                    labels.Add(new(p.Name, (string)p.Value!));
                }
            }

            result.Add(new PackagedEntitlementType((string)nameToken!, order, labels));
        }

        return result;
    }

    public static JArray ToToken(IEnumerable<PackagedEntitlementType> types)
    {
        var array = new JArray();
        foreach (var t in types)
        {
            var labels = new JObject();
            foreach (var l in t.CustomPropertyLabels)
                labels[l.Key] = l.Value;
            array.Add(new JObject { ["name"] = t.Name, ["order"] = t.Order, [LabelsKey] = labels });
        }

        return array;
    }
}
