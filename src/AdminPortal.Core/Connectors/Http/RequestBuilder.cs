using System.Text;
using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Connectors.Templates;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Http;

/// <summary>Renders an <see cref="HttpSpec"/> (url, headers, httpParams) into a <see cref="PreparedRequest"/>.</summary>
public static class RequestBuilder
{
    public static PreparedRequest Prepare(HttpSpec spec, IBindingContext bindings, bool jsonEscapeBodyValues, EvaluationLimits limits,
        string? urlOverride = null, string? profileBaseUrl = null, IEnumerable<KeyValuePair<string, string>>? extraHeaders = null)
    {
        var plain = new TemplateRenderOptions { Limits = limits };
        var url = urlOverride ?? TemplateRenderer.Render(spec.Url, bindings, plain).Trim();
        var headers = spec.Headers.Select(h => new KeyValuePair<string, string>(h.Key, TemplateRenderer.Render(h.Value, bindings, plain))).ToList();
        if (extraHeaders is not null)
        {
            foreach (var h in extraHeaders)
                if (!headers.Any(x => string.Equals(x.Key, h.Key, StringComparison.OrdinalIgnoreCase))) headers.Add(h);
        }
        var method = TemplateRenderer.Render(spec.HttpMethod, bindings, plain).Trim().ToUpperInvariant();
        if (method.Length == 0) method = "GET";
        var contentType = spec.ContentType?.Trim();
        string? body = null;
        bool sendsBody = method is not ("GET" or "HEAD") || method == "GETWITHBODY";
        if (spec.HttpParams is { } p && sendsBody)
        {
            bool json = contentType is null || contentType.Contains("json", StringComparison.OrdinalIgnoreCase);
            bool form = contentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true
                        || contentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true;
            switch (p)
            {
                case JValue { Type: JTokenType.String } s:
                    body = TemplateRenderer.Render((string)s!, bindings, json && jsonEscapeBodyValues ? new TemplateRenderOptions { Limits = limits, Escaping = TemplateEscaping.Json } : plain);
                    break;
                case JObject o when form:
                {
                    bool plusForSpace = contentType!.EndsWith("-pws", StringComparison.OrdinalIgnoreCase);
                    var sb = new StringBuilder();
                    foreach (var prop in o.Properties())
                    {
                        var v = prop.Value is JValue { Type: JTokenType.String } sv ? TemplateRenderer.Render((string)sv!, bindings, plain) : JsonPaths.ToText(prop.Value) ?? "";
                        if (sb.Length > 0) sb.Append('&');
                        sb.Append(FormEncode(prop.Name, plusForSpace)).Append('=').Append(FormEncode(v, plusForSpace));
                    }
                    body = sb.ToString();
                    break;
                }
                case JContainer c:
                    body = RenderLeaves(c, bindings, plain).ToString(Formatting.None);
                    break;
                default:
                    body = JsonPaths.ToText(p);
                    break;
            }
            if (body is { Length: 0 } && p is JObject { Count: 0 }) body = null;
        }
        return new PreparedRequest { Method = method, Url = url, Headers = headers, Body = body, ContentType = contentType, ProfileBaseUrl = profileBaseUrl };
    }

    private static string FormEncode(string s, bool plusForSpace)
    {
        var e = Uri.EscapeDataString(s);
        return plusForSpace ? e.Replace("%20", "+", StringComparison.Ordinal) : e;
    }

    /// <summary>Renders every string leaf of a JSON object/array (values are inserted structurally, so no escaping issue).</summary>
    private static JToken RenderLeaves(JToken t, IBindingContext bindings, TemplateRenderOptions opts)
    {
        switch (t)
        {
            case JObject o:
            {
                var r = new JObject();
                foreach (var p in o.Properties()) r[p.Name] = RenderLeaves(p.Value, bindings, opts);
                return r;
            }
            case JArray a:
                return new JArray(a.Select(x => RenderLeaves(x, bindings, opts)));
            case JValue { Type: JTokenType.String } v when TemplateScanner.HasExpression((string?)v):
            {
                var value = TemplateRenderer.EvaluateValue((string)v!, bindings, opts);
                return Values.ToJToken(value);
            }
            default:
                return t.DeepClone();
        }
    }
}
