using System.Globalization;
using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Connectors.Http;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Provisioning;

/// <summary>Outcome of judging one response against a call's criteria.</summary>
public sealed record CriteriaOutcome(bool Success, string Reason);

/// <summary>Evaluates <c>successResponses</c>/<c>unsuccessResponses</c> (REST-CONNECTOR.md §6.4) for one response. Pure.
/// <list type="bullet">
/// <item>Both accept an object or a list of objects. Within an object every condition must hold (AND); across the list
/// any object may hold (OR). Empty objects are ignored.</item>
/// <item><c>statusCode</c> is a list of accepted status codes; every other key is a dot path into the parsed body whose
/// value (string comparison) must be one of the listed values (<c>${...}</c> allowed in values, rendered by the caller).
/// A list value at the path matches when any element matches.</item>
/// <item><c>unsuccessResponses</c> holding → failure, whatever <c>successResponses</c> says.</item>
/// <item>A <c>successResponses</c> object without <c>statusCode</c> also requires HTTP 2xx.</item>
/// <item>No <c>successResponses</c> → HTTP 2xx is required.</item>
/// <item>When the success that held carries no body condition, an error-shaped body (top-level non-empty
/// <c>error</c>, <c>errors</c>, <c>fault</c>, <c>errorCode</c>, <c>errorMessage</c>, <c>error_description</c>) is a failure.</item>
/// </list></summary>
public static class SuccessCriteria
{
    public const string StatusKey = "statusCode";

    public static CriteriaOutcome Evaluate(int status, JToken? body, ResponseCriteria? success, ResponseCriteria? unsuccess, Func<string, string>? renderValue = null)
    {
        renderValue ??= static s => s;
        if (unsuccess is not null)
        {
            foreach (var alt in unsuccess.Alternatives)
            {
                if (Holds(alt, status, body, renderValue, out _))
                    return new CriteriaOutcome(false, $"HTTP {status} matches unsuccessResponses ({Describe(alt)})");
            }
        }
        bool is2xx = status is >= 200 and < 300;
        bool bodyConditionHeld = false;
        if (success is not null)
        {
            string? firstMiss = null;
            bool any = false;
            foreach (var alt in success.Alternatives)
            {
                if (!alt.ContainsKey(StatusKey) && !is2xx)
                {
                    firstMiss ??= $"HTTP {status} is not a 2xx status";
                    continue;
                }
                if (Holds(alt, status, body, renderValue, out var miss))
                {
                    any = true;
                    bodyConditionHeld = alt.Keys.Any(k => k != StatusKey);
                    break;
                }
                firstMiss ??= miss;
            }
            if (!any) return new CriteriaOutcome(false, "successResponses not met: " + (firstMiss ?? $"HTTP {status}"));
        }
        else if (!is2xx)
        {
            return new CriteriaOutcome(false, $"HTTP {status} (no successResponses: 2xx required)");
        }
        if (!bodyConditionHeld && body is not null && ResponseChecks.ErrorShape(body) is { } err)
            return new CriteriaOutcome(false, $"HTTP {status} but the body reports an error: {err}");
        return new CriteriaOutcome(true, $"HTTP {status}" + (success is null ? "" : " meets successResponses"));
    }

    private static bool Holds(IReadOnlyDictionary<string, IReadOnlyList<string>> alt, int status, JToken? body, Func<string, string> render, out string? miss)
    {
        miss = null;
        foreach (var (key, expected) in alt)
        {
            if (key == StatusKey)
            {
                var codes = expected.Select(render).ToList();
                if (!codes.Any(c => int.TryParse(c.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i == status))
                {
                    miss = $"HTTP {status} is not in statusCode [{string.Join(", ", codes)}]";
                    return false;
                }
                continue;
            }
            var actual = JsonPaths.Select(body, key);
            var values = expected.Select(render).ToList();
            if (!Matches(actual, values))
            {
                var shown = JsonPaths.ToText(actual);
                if (shown is { Length: > 80 }) shown = shown[..80] + "…";
                miss = $"{key} = {(shown is null ? "(absent)" : "'" + shown + "'")}, expected {string.Join(" or ", values.Select(v => "'" + v + "'"))}";
                return false;
            }
        }
        return true;
    }

    private static bool Matches(JToken? actual, IReadOnlyList<string> expected)
    {
        if (actual is null || actual.Type == JTokenType.Null) return expected.Any(e => e.Length == 0 || e == "null");
        if (expected.Contains(JsonPaths.ToText(actual) ?? "", StringComparer.Ordinal)) return true;
        if (actual is JArray a) return a.Any(x => expected.Contains(JsonPaths.ToText(x) ?? "", StringComparer.Ordinal));
        return false;
    }

    private static string Describe(IReadOnlyDictionary<string, IReadOnlyList<string>> alt)
        => string.Join(", ", alt.Keys);
}
