using System.Text.RegularExpressions;
using AdminPortal.Core.Connectors.Configuration;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors;

/// <summary>A REST connection as the engine sees it: the parsed JSON attributes.</summary>
public sealed class ConnectorConnection
{
    public string Name { get; init; } = "";
    public ConnectionDefinition? Connection { get; init; }
    public ImportConfig? Import { get; init; }

    /// <summary>Connection-level STATUS_THRESHOLD_CONFIG, else accountParams.statusAndThresholdConfig.</summary>
    public StatusThresholdConfig? StatusThreshold { get; init; }

    /// <summary>Builds a connection from its attributes (name → JSON text). ConnectionJSON must already be decrypted.
    /// <c>@PLACEHOLDER@</c> tokens are replaced from <paramref name="templateVariables"/> and from the
    /// AOB_CONNECTION_TEMPLATE_VARIABLES attribute before parsing. Throws <see cref="ConnectorConfigException"/>.</summary>
    public static ConnectorConnection FromAttributes(IReadOnlyDictionary<string, string?> attributes, IReadOnlyDictionary<string, string>? templateVariables = null, string name = "")
    {
        var vars = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Get(attributes, "AOB_CONNECTION_TEMPLATE_VARIABLES") is { } aob)
        {
            var t = ConfigReader.ParseJson("AOB_CONNECTION_TEMPLATE_VARIABLES", aob);
            if (t is JObject o) foreach (var p in o.Properties()) if (p.Value is JValue v && v.Value is not null && v.ToString().Length > 0) vars[p.Name] = v.ToString();
        }
        if (templateVariables is not null) foreach (var kv in templateVariables) vars[kv.Key] = kv.Value;
        string? Sub(string? text) => text is null || vars.Count == 0 ? text : Regex.Replace(text, "@@?[A-Za-z0-9_]+@@?", m => vars.TryGetValue(m.Value, out var r) ? r : m.Value);

        var conn = Sub(Get(attributes, ConnectionDefinition.AttributeName));
        var imp = Sub(Get(attributes, ImportConfig.AttributeName));
        var st = Sub(Get(attributes, StatusThresholdConfig.AttributeName));
        var import = imp is null ? null : ImportConfig.Parse(imp);
        return new ConnectorConnection
        {
            Name = name,
            Connection = conn is null ? null : ConnectionDefinition.Parse(conn),
            Import = import,
            StatusThreshold = StatusThresholdConfig.Parse(st) ?? import?.Accounts?.StatusAndThreshold,
        };
    }

    private static string? Get(IReadOnlyDictionary<string, string?> a, string key)
    {
        foreach (var kv in a)
            if (string.Equals(kv.Key, key, StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(kv.Value)) return kv.Value;
        return null;
    }
}
