using System.Globalization;
using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Connectors.Templates;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Import;

/// <summary>Applies colsToPropsMap (§3.3) to one source record.</summary>
internal sealed class RecordMapper
{
    private readonly EvaluationLimits _limits;
    private readonly Action<string> _warn;

    public RecordMapper(EvaluationLimits limits, Action<string> warn)
    {
        _limits = limits;
        _warn = warn;
    }

    public Dictionary<string, string?> Map(JToken record, IReadOnlyList<ColumnMapping> columns, string where, IBindingContext? extra = null)
    {
        var result = new Dictionary<string, string?>(columns.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var c in columns)
        {
            if (c.StoresAcctEntMapping || c.StoresEntMapping) continue; // filled by the link logic
            JToken? raw;
            if (c.IsConst || c.IsTemplate)
            {
                var text = c.IsConst ? c.Source["#CONST#".Length..] : c.Source;
                if (!TemplateScanner.HasExpression(text)) raw = new JValue(text);
                else
                {
                    var b = new Bindings(extra);
                    if (record is JObject o) foreach (var p in o.Properties()) b.Set(p.Name, p.Value);
                    b.Set("response", record);
                    try
                    {
                        raw = Values.ToJToken(TemplateRenderer.EvaluateValue(text, b, new TemplateRenderOptions { Limits = _limits }));
                    }
                    catch (ExpressionException ex)
                    {
                        throw new ImportFailedException(new ImportFailure(ImportFailureKind.Template, $"column '{c.Column}' of {where}: {ex.Message}"), ex);
                    }
                }
            }
            else
            {
                raw = JsonPaths.Select(record, c.Source);
            }
            result[c.Column] = Convert(raw, c, where);
        }
        return result;
    }

    private string? Convert(JToken? raw, ColumnMapping c, string where)
    {
        if (raw is null || raw.Type == JTokenType.Null) return null;
        switch (c.Type)
        {
            case ColumnValueType.Char:
                return JsonPaths.ToText(raw);
            case ColumnValueType.ListAsString:
                return raw is JArray a ? string.Join(",", a.Select(x => JsonPaths.ToText(x) ?? "")) : JsonPaths.ToText(raw);
            case ColumnValueType.Int:
            {
                var s = JsonPaths.ToText(raw);
                if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l.ToString(CultureInfo.InvariantCulture);
                if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == Math.Floor(d)) return ((long)d).ToString(CultureInfo.InvariantCulture);
                _warn($"{where}: column '{c.Column}' value '{Trunc(s)}' is not an integer; stored empty");
                return null;
            }
            case ColumnValueType.Bool:
            {
                var s = JsonPaths.ToText(raw)?.Trim().ToLowerInvariant();
                if (s is "true" or "1" or "yes" or "y") return "true";
                if (s is "false" or "0" or "no" or "n" or "") return "false";
                _warn($"{where}: column '{c.Column}' value '{Trunc(s)}' is not a boolean; stored empty");
                return null;
            }
            case ColumnValueType.BoolListInverse:
            {
                // our reading: true when the list is empty/absent, false when it has elements
                if (raw is JArray arr) return arr.Count == 0 ? "true" : "false";
                var s = JsonPaths.ToText(raw)?.Trim().ToLowerInvariant();
                return s is "true" ? "false" : s is "false" ? "true" : null;
            }
            case ColumnValueType.Date:
            {
                var s = JsonPaths.ToText(raw);
                if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var dto))
                    return dto.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                if (long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) return Epoch(n);
                _warn($"{where}: column '{c.Column}' value '{Trunc(s)}' is not a date; stored empty");
                return null;
            }
            case ColumnValueType.EpochDate:
            {
                var s = JsonPaths.ToText(raw);
                if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) return Epoch((long)n);
                _warn($"{where}: column '{c.Column}' value '{Trunc(s)}' is not an epoch time; stored empty");
                return null;
            }
        }
        return JsonPaths.ToText(raw);
    }

    private static string Epoch(long n)
    {
        // values below 10^11 are taken as seconds, otherwise milliseconds
        var dto = Math.Abs(n) < 100_000_000_000L ? DateTimeOffset.FromUnixTimeSeconds(n) : DateTimeOffset.FromUnixTimeMilliseconds(n);
        return dto.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    private static string Trunc(string? s) => s is null ? "" : s.Length > 60 ? s[..60] + "…" : s;

    /// <summary>Ids found in a record for a membership mapping: listPath → elements → idPath (empty = element itself).</summary>
    public static IEnumerable<string> MembershipIds(JToken record, string listPath, string idPath)
    {
        var list = string.IsNullOrEmpty(listPath) ? record : JsonPaths.Select(record, listPath);
        if (list is null || list.Type == JTokenType.Null) yield break;
        IEnumerable<JToken> items = list is JArray a ? a : new[] { list };
        if (string.IsNullOrEmpty(listPath) && list is not JArray)
        {
            var single = JsonPaths.Select(record, idPath);
            if (single is JArray sa) items = sa;
            else { if (JsonPaths.ToText(single) is { Length: > 0 } one) yield return one; yield break; }
            foreach (var x in items) if (JsonPaths.ToText(x) is { Length: > 0 } s) yield return s;
            yield break;
        }
        foreach (var item in items)
        {
            var id = string.IsNullOrEmpty(idPath) ? item : JsonPaths.Select(item, idPath);
            if (id is JArray ids) { foreach (var x in ids) if (JsonPaths.ToText(x) is { Length: > 0 } s) yield return s; }
            else if (JsonPaths.ToText(id) is { Length: > 0 } s) yield return s;
        }
    }

    /// <summary>
    /// The STORE#ACC#ENT#MAPPINGINFO text: {"type":{"entIds":[…],"keyField":…},…}, exactly as a JObject of the same
    /// shape prints with Formatting.None (same writer, same escaping), without building the token tree per record.
    /// </summary>
    internal static string MembershipInfoJson(IReadOnlyList<(string Type, string[] Ids, string? KeyField)> info)
    {
        // Written by hand into a reused builder: a Newtonsoft writer per account (a million per run) cost 3% of the read.
        // The text is exactly what JsonTextWriter prints (MembershipInfoJsonTests compares every UTF-16 code unit).
        var b = t_membershipInfo ??= new System.Text.StringBuilder(256);
        b.Clear().Append('{');
        for (var t = 0; t < info.Count; t++)
        {
            var (type, ids, keyField) = info[t];
            if (t > 0) b.Append(',');
            AppendJsonString(b, type);
            b.Append(":{\"entIds\":[");
            for (var i = 0; i < ids.Length; i++)
            {
                if (i > 0) b.Append(',');
                AppendJsonString(b, ids[i]);
            }

            b.Append("],\"keyField\":");
            AppendJsonString(b, keyField);
            b.Append('}');
        }

        return b.Append('}').ToString();
    }

    [ThreadStatic] private static System.Text.StringBuilder? t_membershipInfo;

    /// <summary>A JSON string as Newtonsoft's default escaping writes it: control characters, quote, backslash, and
    /// U+0085, U+2028, U+2029 escaped (\uXXXX in lowercase hex unless a short form exists); null as <c>null</c>.</summary>
    private static void AppendJsonString(System.Text.StringBuilder b, string? value)
    {
        if (value is null)
        {
            b.Append("null");
            return;
        }

        b.Append('"');
        var run = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            string? escape = c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\f' => "\\f",
                '\b' => "\\b",
                < ' ' or '\u0085' or '\u2028' or '\u2029' => null,
                _ => "",
            };
            if (escape is { Length: 0 }) continue;
            b.Append(value, run, i - run);
            if (escape is null) b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else b.Append(escape);
            run = i + 1;
        }

        b.Append(value, run, value.Length - run).Append('"');
    }
}
