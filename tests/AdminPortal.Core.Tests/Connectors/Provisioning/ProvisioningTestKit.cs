using AdminPortal.Core.Connectors;
using AdminPortal.Core.Connectors.Provisioning;
using AdminPortal.Core.Domain;
using AdminPortal.Core.Tests.Connectors.Import;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Tests.Connectors.Provisioning;

internal static class Prov
{
    /// <summary>A connection with a static-token profile <c>acctAuth</c> and the given provisioning attributes
    /// (BASE in them is replaced by the fixture server's URL).</summary>
    public static ConnectorConnection Connection(FixtureServer srv, string? connectionJson = null, params (string Attribute, string Json)[] attributes)
    {
        var attrs = new Dictionary<string, string?> { ["ConnectionJSON"] = connectionJson ?? Engine.StaticToken() };
        foreach (var (a, j) in attributes) attrs[a] = j.Replace("BASE", srv.BaseUrl, StringComparison.Ordinal);
        return ConnectorConnection.FromAttributes(attrs);
    }

    /// <summary>One call as JSON text; <paramref name="extra"/> is appended inside the object (start it with a comma).</summary>
    public static string Call(string name, string method, string url, string? httpParams = null, string extra = "")
    {
        var o = new JObject
        {
            ["name"] = name,
            ["connection"] = "acctAuth",
            ["url"] = url,
            ["httpMethod"] = method,
            ["httpHeaders"] = new JObject { ["Authorization"] = "${access_token}", ["Accept"] = "application/json" },
            ["httpContentType"] = "application/json",
        };
        if (httpParams is not null) o["httpParams"] = httpParams;
        var text = o.ToString(Newtonsoft.Json.Formatting.None);
        return extra.Length == 0 ? text : text[..^1] + extra + "}";
    }

    public static string Calls(string top, params string[] calls) => "{" + top + (top.Length > 0 ? "," : "") + "\"call\":[" + string.Join(",", calls) + "]}";

    public static ProvisioningRequest Request(ProvisioningTaskType op, string? entType = null, IReadOnlyDictionary<string, object?>? user = null,
        IReadOnlyDictionary<string, object?>? account = null, IReadOnlyDictionary<string, object?>? ent = null)
        => new()
        {
            Operation = op,
            TaskId = 41,
            RequestId = 7,
            EntitlementTypeName = entType,
            User = user ?? new Dictionary<string, object?> { ["username"] = "jdoe", ["firstname"] = "Jane", ["lastname"] = "Doe", ["email"] = "jane@example.com" },
            Account = account,
            EntitlementValue = ent,
        };

    public static Dictionary<string, object?> Map(params (string Key, object? Value)[] kv) => kv.ToDictionary(x => x.Key, x => x.Value);
}
