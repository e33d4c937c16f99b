using AdminPortal.Core.Connectors.Configuration;
using AdminPortal.Core.Domain;
using Newtonsoft.Json.Linq;

namespace AdminPortal.Core.Connectors.Provisioning;

/// <summary>One call of a provisioning JSON's <c>call</c> array (REST-CONNECTOR.md §6.2).</summary>
public sealed record ProvisioningCall
{
    /// <summary><c>name</c>: key under <c>response.</c>; in Add/RemoveAccessJSON the entitlement type the call is for.</summary>
    public required string Name { get; init; }

    /// <summary>0-based position in the <c>call</c> array.</summary>
    public int Index { get; init; }

    /// <summary>JSON path of the call inside the attribute (for messages).</summary>
    public string Location { get; init; } = "";

    /// <summary><c>connection</c>: the ConnectionJSON profile (null = the only profile).</summary>
    public string? Connection { get; init; }

    /// <summary>url, httpMethod (may be a template), httpHeaders, httpParams (string body template or object), httpContentType.</summary>
    public required HttpSpec Http { get; init; }

    public ResponseCriteria? SuccessResponses { get; init; }
    public ResponseCriteria? UnsuccessResponses { get; init; }

    /// <summary><c>callCondition</c>: a <c>${...}</c> (or bare) expression; the call is skipped when it is not true.</summary>
    public string? CallCondition { get; init; }

    /// <summary><c>callListPath</c>: path/expression to a list; the call runs once per element (<c>childresponse</c>).</summary>
    public string? CallListPath { get; init; }

    public bool ShowResponse { get; init; }
}

/// <summary>Typed view of one provisioning attribute (CreateAccountJSON, AddAccessJSON, …; §6.1).</summary>
public sealed record ProvisioningConfig
{
    public required string AttributeName { get; init; }

    /// <summary><c>accountIdPath</c>: path (without <c>response.</c>) to the target id, or the literal <c>accountName</c>.</summary>
    public string? AccountIdPath { get; init; }

    public string? DateFormat { get; init; }

    /// <summary><c>responseColsToPropsMap</c>: account column ← response path (<c>call1.message.x~#~type</c>).</summary>
    public IReadOnlyList<ColumnMapping> ResponseColumns { get; init; } = Array.Empty<ColumnMapping>();

    public IReadOnlyList<ProvisioningCall> Calls { get; init; } = Array.Empty<ProvisioningCall>();

    /// <summary>Notes about accepted-but-unusual spellings (e.g. <c>SuccessResponses</c>).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();

    /// <summary>The attribute that holds the JSON for an operation.</summary>
    public static string AttributeFor(ProvisioningTaskType operation) => operation switch
    {
        ProvisioningTaskType.CreateAccount => "CreateAccountJSON",
        ProvisioningTaskType.UpdateAccount => "UpdateAccountJSON",
        ProvisioningTaskType.EnableAccount => "EnableAccountJSON",
        ProvisioningTaskType.DisableAccount => "DisableAccountJSON",
        ProvisioningTaskType.RemoveAccount => "RemoveAccountJSON",
        ProvisioningTaskType.AddAccess => "AddAccessJSON",
        ProvisioningTaskType.RemoveAccess => "RemoveAccessJSON",
        ProvisioningTaskType.ChangePassword => "ChangePassJSON",
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "unknown provisioning operation"),
    };

    public static IReadOnlyList<string> AttributeNames { get; } = Enum.GetValues<ProvisioningTaskType>().Select(AttributeFor).ToList();

    /// <summary>Parses a provisioning attribute. Throws <see cref="ConnectorConfigException"/> with the JSON path and line.</summary>
    public static ProvisioningConfig Parse(string attributeName, string json)
    {
        var r = new ConfigReader(attributeName);
        var root = ConfigReader.ParseJson(attributeName, json);
        if (root is not JObject o) throw r.Error(root, "must be a JSON object with a 'call' list");
        var warnings = new List<string>();
        var calls = new List<ProvisioningCall>();
        var callToken = o["call"];
        if (callToken is not null && callToken.Type != JTokenType.Null)
        {
            if (callToken is not JArray arr) throw r.Error(callToken, "'call' must be a list of call objects");
            int i = 0;
            foreach (var item in arr)
            {
                if (item is not JObject c) throw r.Error(item, $"call[{i}] must be an object, found {ConfigReader.Describe(item)}");
                calls.Add(ReadCall(r, c, i, warnings));
                i++;
            }
        }
        return new ProvisioningConfig
        {
            AttributeName = attributeName,
            AccountIdPath = NullIfBlank(r.String(o, "accountIdPath")),
            DateFormat = NullIfBlank(r.String(o, "dateFormat")),
            ResponseColumns = ColumnMapping.ReadMap(r, o, "responseColsToPropsMap"),
            Calls = calls,
            Warnings = warnings,
        };
    }

    private static ProvisioningCall ReadCall(ConfigReader r, JObject c, int index, List<string> warnings)
    {
        var name = NullIfBlank(r.String(c, "name")) ?? "call" + (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (r.String(c, "url") is null) throw r.Error(c, $"call '{name}': 'url' is required");
        var http = HttpSpec.Read(r, c);
        // "" / whitespace httpParams = no body
        if (http.HttpParams is JValue { Type: JTokenType.String } sv && string.IsNullOrWhiteSpace((string?)sv)) http = http with { HttpParams = null };
        var success = Criteria(r, c, "successResponses", name, warnings);
        var unsuccess = Criteria(r, c, "unsuccessResponses", name, warnings);
        return new ProvisioningCall
        {
            Name = name,
            Index = index,
            Location = c.Path,
            Connection = NullIfBlank(r.String(c, "connection")),
            Http = http,
            SuccessResponses = success,
            UnsuccessResponses = unsuccess,
            CallCondition = NullIfBlank(r.String(c, "callCondition")),
            CallListPath = NullIfBlank(r.String(c, "callListPath")),
            ShowResponse = r.Bool(c, "showResponse") ?? false,
        };
    }

    private static ResponseCriteria? Criteria(ConfigReader r, JObject c, string key, string callName, List<string> warnings)
    {
        if (c[key] is not null) return ResponseCriteria.Read(r, c, key);
        // a community sample spells it "SuccessResponses": accept any casing, but say so
        var other = c.Properties().FirstOrDefault(p => string.Equals(p.Name, key, StringComparison.OrdinalIgnoreCase));
        if (other is null) return null;
        warnings.Add($"call '{callName}': '{other.Name}' read as '{key}'");
        return ResponseCriteria.Read(r, c, other.Name);
    }

    private static string? NullIfBlank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
