using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Http;

/// <summary>Body checks shared by the import reader and the provisioning engine.</summary>
public static class ResponseChecks
{
    /// <summary>Detects an "obviously error-shaped" body: a top-level object carrying error/errors/fault/errorCode.</summary>
    public static string? ErrorShape(JToken body)
    {
        if (body is not JObject o) return null;
        foreach (var key in new[] { "error", "errors", "fault", "errorCode", "errorMessage", "error_description" })
        {
            if (!o.TryGetValue(key, StringComparison.OrdinalIgnoreCase, out var v)) continue;
            bool meaningful = v.Type switch
            {
                JTokenType.Null or JTokenType.Undefined => false,
                JTokenType.Boolean => v.Value<bool>(),
                JTokenType.String => ((string?)v)?.Length > 0,
                JTokenType.Array => ((JArray)v).Count > 0,
                JTokenType.Object => ((JObject)v).Count > 0,
                JTokenType.Integer => v.Value<long>() != 0,
                _ => true,
            };
            if (meaningful)
            {
                var s = v!.ToString(Formatting.None);
                return key + "=" + (s.Length > 200 ? s[..200] + "…" : s);
            }
        }
        return null;
    }
}
