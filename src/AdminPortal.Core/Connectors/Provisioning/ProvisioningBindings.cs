using System.Globalization;
using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Connectors.Templates;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Provisioning;

/// <summary>Builds the binding variables of REST-CONNECTOR.md §6.5 from a <see cref="ProvisioningRequest"/>. Pure.
/// Every listed variable is always bound (null when the task has no value for it), so a template that reads
/// <c>${account.accountID}</c> during a create renders empty instead of failing as an unknown variable; a variable
/// that is not in the list (a typo) still fails. <c>connection</c>, <c>access_token</c> and <c>refresh_token</c> are
/// added per call by the call's auth profile; <c>childresponse</c> per <c>callListPath</c> element.</summary>
public static class ProvisioningBindings
{
    /// <summary>The names bound by <see cref="Build"/> (besides the per-call ones).</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "user", "account", "userAccount", "accountName", "entitlementValue", "password", "randomPassword",
        "requestAccessAttributes", "reqAttrs", "task", "arsTasks", "endpoint", "endpoints", "userManager", "managerAccount",
        "response", "businessJustification", "requestid", "approvers", "ServiceAccountOwnerMap", "account_entitlements", "childresponse",
    ];

    /// <summary>Bindings for one task. <paramref name="responses"/> is the live <c>response</c> registry
    /// (see <see cref="ResponseRegistry"/>); <paramref name="accountName"/> the computed account name.</summary>
    public static Bindings Build(ProvisioningRequest request, string? accountName, JObject responses)
    {
        var user = Map(request.User);
        var account = request.Account is null ? null : Map(request.Account);
        var ent = request.EntitlementValue is null ? null : Map(request.EntitlementValue);
        var endpoint = Map(request.Endpoint);
        var reqAttrs = Map(request.RequestAttributes);
        var task = TaskMap(request, endpoint, accountName);
        var b = new Bindings();
        b.Set("user", user);
        b.Set("account", account);
        b.Set("userAccount", account);
        b.Set("accountName", accountName);
        b.Set("entitlementValue", ent);
        b.Set("password", request.Password);
        b.Set("randomPassword", request.Password);
        b.Set("requestAccessAttributes", reqAttrs);
        b.Set("reqAttrs", reqAttrs);
        b.Set("task", task);
        b.Set("arsTasks", task);
        b.Set("endpoint", endpoint);
        b.Set("endpoints", endpoint);
        b.Set("userManager", request.UserManager is null ? null : Map(request.UserManager));
        b.Set("managerAccount", request.ManagerAccount is null ? null : Map(request.ManagerAccount));
        b.Set("response", responses);
        b.Set("businessJustification", request.BusinessJustification);
        b.Set("requestid", request.RequestId?.ToString(CultureInfo.InvariantCulture));
        b.Set("approvers", request.Approvers.Select(a => (object?)Map(a)).ToList());
        b.Set("ServiceAccountOwnerMap", new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase));
        b.Set("account_entitlements", request.AccountEntitlement is null ? null : Map(request.AccountEntitlement));
        b.Set("childresponse", null);
        return b;
    }

    /// <summary>The <c>accountName</c> binding: <see cref="ProvisioningRequest.AccountName"/> when given; else the endpoint's
    /// account-name rule (a template with <c>${...}</c>, or a bare expression such as <c>user.username</c>) evaluated over
    /// the task's bindings; else the existing account's <c>name</c>. Throws <see cref="ExpressionException"/> for a bad rule.</summary>
    public static string? ComputeAccountName(ProvisioningRequest request, EvaluationLimits limits)
    {
        if (!string.IsNullOrWhiteSpace(request.AccountName)) return request.AccountName;
        if (!string.IsNullOrWhiteSpace(request.AccountNameRule))
        {
            var b = Build(request, null, new JObject());
            var rule = request.AccountNameRule.Trim();
            var value = TemplateScanner.HasExpression(rule)
                ? TemplateRenderer.Render(rule, b, new TemplateRenderOptions { Limits = limits })
                : Values.ToStr(TemplateRenderer.Evaluate(rule, b, limits));
            if (!string.IsNullOrWhiteSpace(value)) return value;
        }
        if (request.Account is not null && Map(request.Account).TryGetValue("name", out var n) && n is not null) return Values.ToStr(n);
        return null;
    }

    private static Dictionary<string, object?> TaskMap(ProvisioningRequest r, Dictionary<string, object?> endpoint, string? accountName)
    {
        var t = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["taskkey"] = r.TaskId,
            ["taskid"] = r.TaskId,
            ["id"] = r.TaskId,
            ["tasktype"] = r.Operation.ToString(),
            ["requestkey"] = r.RequestId,
            ["requestid"] = r.RequestId,
            ["source"] = r.RequestId is null ? "" : "REQUEST",
            ["endpoint"] = endpoint,
            ["accountName"] = accountName,
            ["password"] = r.Password,
            ["businessjustification"] = r.BusinessJustification,
            ["entitlement_value"] = r.EntitlementValue is null ? null : Map(r.EntitlementValue),
            ["entitlementtype"] = r.EntitlementTypeName,
        };
        foreach (var kv in r.TaskAttributes) t[kv.Key] = kv.Value;
        return t;
    }

    /// <summary>Case-insensitive copy (nested maps and lists copied too).</summary>
    internal static Dictionary<string, object?> Map(IReadOnlyDictionary<string, object?> source)
    {
        var d = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var kv in source) d[kv.Key] = Copy(kv.Value);
        return d;
    }

    /// <summary>Values the expression language understands: dates as ISO-8601 text (DateTime kept as given, offsets kept),
    /// Guids and enums as text, nested maps case-insensitive, lists element-wise.</summary>
    private static object? Copy(object? v) => v switch
    {
        null or string or bool or long or int or double => v,
        DateTime dt => dt.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture),
        DateTimeOffset dto => dto.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        Guid g => g.ToString(),
        Enum e => e.ToString(),
        IReadOnlyDictionary<string, object?> m => Map(m),
        IDictionary<string, object?> m => Map(m.ToDictionary(k => k.Key, k => k.Value)),
        IReadOnlyDictionary<string, string?> m => Map(m.ToDictionary(k => k.Key, k => (object?)k.Value)),
        Newtonsoft.Json.Linq.JToken => v,
        System.Collections.IEnumerable list => list.Cast<object?>().Select(Copy).ToList(),
        _ => v,
    };
}

/// <summary>The <c>response</c> binding: every executed call is registered under its <c>name</c> (the last execution wins)
/// and under <c>name&lt;n&gt;</c>, n = 1-based occurrence of that name among executed calls (<c>Group1</c>, <c>Group2</c>; a
/// call named <c>call1</c> is also <c>call11</c>). A suffixed key never replaces a key that is itself the name of a call
/// in the JSON. Each entry is <c>{message, statusCode, headers, responseText}</c>; <c>message</c> is the parsed JSON body
/// (or the text when the body is not JSON, null when empty).</summary>
public sealed class ResponseRegistry
{
    private readonly HashSet<string> _declared;
    private readonly Dictionary<string, int> _occurrences = new(StringComparer.Ordinal);

    public ResponseRegistry(IEnumerable<string> declaredCallNames) => _declared = new HashSet<string>(declaredCallNames, StringComparer.Ordinal);

    /// <summary>The live object bound as <c>response</c> (updated in place).</summary>
    public JObject Root { get; } = new();

    public void Register(string name, HttpCallResult result)
    {
        var headers = new JObject();
        foreach (var h in result.Headers) headers[h.Key] = h.Value;
        JToken message = result.Json?.DeepClone() ?? (result.Text is { } t ? new JValue(t) : JValue.CreateNull());
        var entry = new JObject
        {
            ["message"] = message,
            ["statusCode"] = result.StatusCode is { } s ? new JValue(s) : JValue.CreateNull(),
            ["headers"] = headers,
            ["responseText"] = result.Json is not null ? result.Json.ToString(Newtonsoft.Json.Formatting.None) : result.Text,
        };
        Register(name, entry);
    }

    public void Register(string name, JObject entry)
    {
        int n = _occurrences.TryGetValue(name, out var c) ? c + 1 : 1;
        _occurrences[name] = n;
        Root[name] = entry;
        var suffixed = name + n.ToString(CultureInfo.InvariantCulture);
        if (!_declared.Contains(suffixed)) Root[suffixed] = entry;
    }
}
