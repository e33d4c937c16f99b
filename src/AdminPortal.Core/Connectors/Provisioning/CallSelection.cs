using System.Globalization;
using System.Text;
using AdminPortal.Core.Connectors.Http;
using AdminPortal.Core.Connectors.Templates;
using AdminPortal.Core.Domain;

namespace AdminPortal.Core.Connectors.Provisioning;

/// <summary>Which calls of a provisioning JSON run for a task. Pure.</summary>
public static class CallSelector
{
    /// <summary>All calls in array order, except for AddAccess/RemoveAccess, where only the calls whose <c>name</c> equals
    /// the task's entitlement type (case-insensitive) run (§6.2). Returns the calls, or an empty list and the reason
    /// when nothing applies (the task is then "not configured").</summary>
    public static (IReadOnlyList<ProvisioningCall> Calls, string? NotConfiguredReason) Select(ProvisioningConfig config, ProvisioningTaskType operation, string? entitlementType)
    {
        if (config.Calls.Count == 0) return ([], $"{config.AttributeName} has no calls");
        if (operation is not (ProvisioningTaskType.AddAccess or ProvisioningTaskType.RemoveAccess)) return (config.Calls, null);
        if (string.IsNullOrWhiteSpace(entitlementType))
            return ([], $"{config.AttributeName}: the task names no entitlement type, so no call can be selected");
        var matching = config.Calls.Where(c => string.Equals(c.Name, entitlementType.Trim(), StringComparison.OrdinalIgnoreCase)).ToList();
        return matching.Count > 0
            ? (matching, null)
            : ([], $"{config.AttributeName} has no call named '{entitlementType}' (calls: {string.Join(", ", config.Calls.Select(c => c.Name).Distinct())})");
    }
}

/// <summary>Failure classification helpers. Pure.</summary>
public static class ProvisioningFailures
{
    /// <summary>429, 408 and 5xx (except 501 Not Implemented and 505) are worth retrying later.</summary>
    public static bool IsRetryableStatus(int status) => status is 429 or 408 || (status >= 500 && status != 501 && status != 505);

    /// <summary>The call's URL template with every <c>${...}</c> replaced by <c>{}</c>, scheme/host and query removed:
    /// <c>https://api.confluent.cloud/iam/v2/service-accounts/${account.accountID}?x=${y}</c> → <c>/iam/v2/service-accounts/{}</c>.</summary>
    public static string PathTemplate(string urlTemplate)
    {
        var sb = new StringBuilder();
        var t = urlTemplate.Trim();
        try
        {
            foreach (var seg in TemplateScanner.Split(t)) sb.Append(seg.IsExpression ? "{}" : seg.Text);
        }
        catch (ExpressionException)
        {
            // unbalanced template: keep the text before the first ${
            sb.Clear().Append(t[..t.IndexOf("${", StringComparison.Ordinal)]).Append("{}");
        }
        var s = sb.ToString();
        int scheme = s.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            int slash = s.IndexOf('/', scheme + 3);
            s = slash < 0 ? "/" : s[slash..];
        }
        int q = s.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0) s = s[..q];
        if (!s.StartsWith('/') && !s.StartsWith('{')) s = "/" + s;
        return s;
    }

    /// <summary>Retry-After as a delay: delta seconds or an HTTP date (relative to <paramref name="now"/>).</summary>
    public static TimeSpan? RetryAfter(IReadOnlyDictionary<string, string> headers, DateTimeOffset now)
    {
        if (!headers.TryGetValue("Retry-After", out var v) || string.IsNullOrWhiteSpace(v)) return null;
        v = v.Trim();
        if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var secs) && secs >= 0) return TimeSpan.FromSeconds(secs);
        if (DateTimeOffset.TryParseExact(v, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            || DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at))
        {
            var d = at - now;
            return d > TimeSpan.Zero ? d : TimeSpan.Zero;
        }
        return null;
    }

    /// <summary>Whether a transport failure (connection refused/reset, timeout, open circuit, truncated body) happened.</summary>
    public static bool IsTransport(HttpCallResult r) => r.TransportError is not null;
}
