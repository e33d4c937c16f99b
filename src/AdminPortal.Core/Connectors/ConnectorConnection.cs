using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Connectors.Provisioning;
using AdminPortal.Core.Domain;
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

    /// <summary>The provisioning attributes (CreateAccountJSON … ChangePassJSON) as text, placeholders already substituted,
    /// keyed by operation. Only non-blank attributes are present. They are parsed on first use
    /// (<see cref="GetProvisioning"/>) so a malformed provisioning JSON never blocks an import.</summary>
    public IReadOnlyDictionary<ProvisioningTaskType, string> ProvisioningJson { get; init; } = new Dictionary<ProvisioningTaskType, string>();

    private readonly ConcurrentDictionary<ProvisioningTaskType, ProvisioningConfig> _provisioning = new();

    /// <summary>The parsed provisioning JSON for an operation, or null when the connection defines none.
    /// Throws <see cref="ConnectorConfigException"/> when it is malformed.</summary>
    public ProvisioningConfig? GetProvisioning(ProvisioningTaskType operation)
    {
        if (_provisioning.TryGetValue(operation, out var cached)) return cached;
        if (!ProvisioningJson.TryGetValue(operation, out var text)) return null;
        var parsed = ProvisioningConfig.Parse(ProvisioningConfig.AttributeFor(operation), text);
        _provisioning.TryAdd(operation, parsed);
        return parsed;
    }

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
        var provisioning = new Dictionary<ProvisioningTaskType, string>();
        foreach (var op in Enum.GetValues<ProvisioningTaskType>())
            if (Sub(Get(attributes, ProvisioningConfig.AttributeFor(op))) is { } text) provisioning[op] = text;
        return new ConnectorConnection
        {
            Name = name,
            Connection = conn is null ? null : ConnectionDefinition.Parse(conn),
            Import = import,
            StatusThreshold = StatusThresholdConfig.Parse(st) ?? import?.Accounts?.StatusAndThreshold,
            ProvisioningJson = provisioning,
        };
    }

    private static string? Get(IReadOnlyDictionary<string, string?> a, string key)
    {
        foreach (var kv in a)
            if (string.Equals(kv.Key, key, StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(kv.Value)) return kv.Value;
        return null;
    }
}
